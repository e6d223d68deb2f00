"""The ``slurmrestd`` command: a warm server first in inet mode, else the full daemon."""

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    from slurmrestd.warmstart import client

    status = client.serve(argv)
    if status is not None:
        # A warm child served the client and reported its status.  This process loaded only
        # the hand-off's few modules, wrote nothing and holds nothing to flush (its 0, 1 and
        # 2 are /dev/null now): leave without the interpreter's finalization (about 3 ms,
        # a tenth of an inet-mode request).
        import os

        os._exit(status)
    from slurmrestd.cli import main as cli_main

    return cli_main(argv)
