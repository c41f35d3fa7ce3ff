"""The one exception type the CLI turns into a single clear line and a non-zero exit."""


class BenchError(Exception):
    """Bad input or an unrecoverable condition, with a message a user can act on."""
