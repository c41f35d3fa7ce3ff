"""Chaotic systems, one file each; importing this package registers them all."""

from systems import henon, logistic, lorenz96, mackey_glass  # noqa: F401
