"""options.serves_inet agrees with getopt, the parser cli uses."""

from __future__ import annotations

import getopt
import itertools

import pytest

from slurmrestd import options


def _by_getopt(argv):
    try:
        opts, args = getopt.gnu_getopt(argv, options.SHORT, list(options.LONG))
    except getopt.GetoptError:
        return False
    if args:
        return False
    for opt, val in opts:
        if opt in options.NOT_SERVING or val.strip().lower() == "list":
            return False
    return True


PIECES = [["-a", "rest_auth/jwt"], ["-arest_auth/local"], ["-vv"], ["-v"], ["-t", "4"], ["-t"], ["-s", "list"],
          ["--max-connections", "8"], ["--max-conn=8"], ["--max-connections"], ["-V"], ["-h"], ["--help"],
          ["--generate-openapi-spec"], ["--gen"], ["127.0.0.1:8080"], ["unix:/x"], ["-x"], ["--nope"],
          ["-vf", "/etc/slurm.conf"], ["-f/etc/x"], ["--autocomplete", "-"], ["-d", "v0.0.45"], ["-u", "nobody", "-g", "nogroup"]]


@pytest.mark.parametrize("argv", [sum(c, []) for n in (0, 1, 2) for c in itertools.combinations(PIECES, n)],
                         ids=lambda a: " ".join(a) or "(none)")
def test_agrees_with_getopt_when_it_says_inet(argv):
    # serves_inet may be more careful than getopt (False where getopt would serve), never less
    if options.serves_inet(argv):
        assert _by_getopt(argv), argv


@pytest.mark.parametrize("argv,expected", [
    ([], True), (["-a", "rest_auth/jwt"], True), (["-vv", "-t", "2"], True), (["--max-conn", "3"], True),
    (["-a", "list"], False), (["-alist"], False), (["x:1"], False), (["-V"], False), (["--he"], False),
    (["-t"], False), (["--help=1"], False), (["-"], False), (["-q"], False),
])
def test_table(argv, expected):
    assert options.serves_inet(argv) is expected
