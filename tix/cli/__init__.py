"""The command line: options, the one error boundary, the environment.

`main` and `run` live in `tix.cli.boundary`; they are re-exported here so the
console script `tix = "tix.cli:main"` stays the same."""

from tix.cli.boundary import main, run

__all__ = ["main", "run"]
