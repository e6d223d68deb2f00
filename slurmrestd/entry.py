"""The ``slurmrestd`` command: a warm server first in inet mode, else the full daemon."""

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    from slurmrestd.warmstart import client

    status = client.serve(argv)
    if status is not None:
        return status
    from slurmrestd.cli import main as cli_main

    return cli_main(argv)
