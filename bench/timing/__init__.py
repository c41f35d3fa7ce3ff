"""Timing scripts (not part of the library): kernels, generators, scaling."""
