"""Randomness of bits drawn from SAE latents: endless bit streams from any trained or saved SAE,
the NIST SP 800-22 battery, dieharder through a pipe, and the `randomness` and `stream` commands.

Modules: `sp800_basic` and `sp800_pattern` (the 15 NIST tests as pure numpy functions), `nist`
(the battery: parameters, applicability, pass rule), `windows` (fresh windows from long settled
trajectories), `extract` (latents → bits, calibrated on a separate chunk), `stream` (bit streams
in constant memory, the controls, packing and writing to a pipe), `sources` (where a stream
comes from: a cell's SAE, a saved SAE, the raw orbit, a control), `dieharder` (the extended
battery through a pipe), `report` (md/csv), `command` (`randomness`) and `emit` (`stream`).
"""
