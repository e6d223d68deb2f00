"""The data parser versions this daemon serves (plain names, no imports)."""

from types import MappingProxyType

#: Versions in the order the reference daemons list them (plugin directory order): 26.05's
#: four, then the two that only 24.11 still had.
VERSIONS: tuple[str, ...] = ("v0.0.43", "v0.0.42", "v0.0.45", "v0.0.44", "v0.0.40", "v0.0.41")
#: Newest first: the order deltas are chained in.
VERSIONS_NEWEST_FIRST: tuple[str, ...] = ("v0.0.45", "v0.0.44", "v0.0.43", "v0.0.42", "v0.0.41", "v0.0.40")
#: The newest data parser: the default wherever no version is named.
DEFAULT_VERSION = VERSIONS_NEWEST_FIRST[0]
#: The versions Slurm 26.05's daemon serves (its /openapi/v3 lists exactly these).
VERSIONS_26_05: tuple[str, ...] = VERSIONS[:4]
#: The versions Slurm 24.11's daemon serves that 26.05 no longer has.
VERSIONS_24_11_ONLY: tuple[str, ...] = VERSIONS[4:]


def version_key(version: str) -> tuple[int, ...]:
    """``"v0.0.41"`` -> ``(0, 0, 41)``: versions compare by this key."""
    return tuple(int(p) for p in version.lstrip("v").split("."))


#: The keys of the served versions, computed once (codecs compare versions per value dumped).
_KEYS = MappingProxyType({v: version_key(v) for v in VERSIONS})


def not_newer_than(version: str, limit: str) -> bool:
    """True when ``version`` is ``limit`` or older (``v0.0.40 <= v0.0.42``); False for no version."""
    if not version:
        return False
    return (_KEYS.get(version) or version_key(version)) <= (_KEYS.get(limit) or version_key(limit))
