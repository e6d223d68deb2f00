"""The data parser versions this daemon serves (plain names, no imports)."""

#: Versions in the order the reference daemon lists them (plugin directory order).
VERSIONS: tuple[str, ...] = ("v0.0.43", "v0.0.42", "v0.0.45", "v0.0.44")
#: Newest first: the order deltas are chained in.
VERSIONS_NEWEST_FIRST: tuple[str, ...] = ("v0.0.45", "v0.0.44", "v0.0.43", "v0.0.42")
#: The newest data parser: the default wherever no version is named.
DEFAULT_VERSION = VERSIONS_NEWEST_FIRST[0]
