"""tix: a service desk for small IT shops that lives in a git repository."""

__version__ = "0.1.0"
