"""Randomness of bits drawn from SAE latents: the NIST SP 800-22 battery, the bit extractions,
the controls (PCG64, a constant stream, the raw orbit) and the `randomness` command.

Modules: `sp800_basic` and `sp800_pattern` (the 15 tests as pure numpy functions), `nist` (the
battery: parameters, applicability, pass rule), `extract` (latents → bits), `controls`,
`dieharder` (optional external battery), `report` (md/csv) and `command` (the command's logic).
"""
