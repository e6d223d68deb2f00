"""The command line's option letters, shared by ``cli`` and the warm-start client.

Standard library only and nothing at import: the warm-start client reads the command line
before anything else is loaded.  ``cli`` parses with ``getopt.gnu_getopt`` and these tables.
"""

#: getopt's short options: the reference daemon's letters.
SHORT = "a:d:f:g:hs:t:u:vV"
#: getopt's long options (a trailing ``=`` takes a value).
LONG = ("help", "max-connections=", "generate-openapi-spec", "autocomplete=")
#: Options after which the process prints something and exits instead of serving.
NOT_SERVING = frozenset({"-h", "--help", "-V", "--generate-openapi-spec", "--autocomplete"})


def _long(arg: str) -> tuple[str, bool] | None:
    """``--name[=value]`` → (the full option, whether it consumes the next argument), as
    getopt resolves unambiguous prefixes; None if unknown or ambiguous."""
    name, eq, _ = arg[2:].partition("=")
    hits = [o for o in LONG if o.rstrip("=") == name] or [o for o in LONG if o.startswith(name)]
    if len(hits) != 1 or not name:
        return None
    opt = hits[0]
    takes = opt.endswith("=")
    if eq and not takes:
        return None
    return "--" + opt.rstrip("="), takes and not eq


def serves_inet(argv: list[str]) -> bool:
    """True when this command line serves one client on stdin/stdout: no listen address,
    nothing that prints and exits (help, version, ``list``, the OpenAPI document), and only
    known options.  Anything unusual answers False, and the full parser then says what is
    wrong."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--" or not arg.startswith("-") or arg == "-":
            return False  # a positional argument (a listen address) or an end of options before one
        if arg.startswith("--"):
            found = _long(arg)
            if found is None or found[0] in NOT_SERVING:
                return False
            if found[1]:
                if i >= len(argv):
                    return False
                i += 1
            continue
        j = 1
        while j < len(arg):
            letter = arg[j]
            k = SHORT.find(letter)
            if k < 0 or letter == ":" or "-" + letter in NOT_SERVING:
                return False
            if SHORT[k + 1:k + 2] == ":":
                value = arg[j + 1:]
                if not value:
                    if i >= len(argv):
                        return False
                    value = argv[i]
                    i += 1
                if value.strip().lower() == "list":
                    return False
                break
            j += 1
    return True
