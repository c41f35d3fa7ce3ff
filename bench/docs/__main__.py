"""`python -m bench.docs [DIR]`: write the generated reference pages into DIR (default docs)."""

import sys

from bench.docs import main

main(sys.argv[1:])
