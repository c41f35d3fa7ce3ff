"""`python -m bench` is the `chaos-sae-bench` command."""

import sys

from bench.cli import main

sys.exit(main())
