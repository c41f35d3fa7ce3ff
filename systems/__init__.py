"""Chaotic systems, one file each; importing this package registers them all."""

from systems import henon, logistic  # noqa: F401
