"""Can every user read the installation?  Decides whether a user switch must import ahead.

After ``-u``/``-g`` or ``become_user`` the daemon runs as a user that may not be able to read
the files it was started from (a private checkout, a root-only virtualenv); a module loaded
on first use would then fail in the middle of a request.  When every user can read them,
nothing needs importing ahead and an inet-mode process loads only what its request needs.

"Readable by everyone" is checked from the mode bits, for others: every directory from ``/``
down to each root is searchable (``o+x``); the roots are searchable and listable
(``o+rx``); under this package's own directory every directory is ``o+rx`` and every file
``o+r``.  For the roots of the libraries and the standard library only the root itself and
its ancestors are checked (their trees are large; a private installation is private at or
above its root).
"""

from __future__ import annotations

import importlib.util
import os
import stat

#: Libraries the daemon imports on first use (token checks, minted tokens, munge body
#: hash, YAML, PAM); a missing one is skipped.
LAZY_LIBRARIES = ("jwt", "Crypto", "yaml", "pam")

_DIR_OK = stat.S_IROTH | stat.S_IXOTH


def package_root() -> str:
    return os.path.dirname(os.path.abspath(__file__))


def lazy_roots() -> list[str]:
    """This package's directory, the libraries' and the standard library's."""
    roots = [package_root(), os.path.dirname(os.path.abspath(os.__file__))]
    for name in LAZY_LIBRARIES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            continue
        locations = list(spec.submodule_search_locations or ())
        if not locations and spec.origin:
            locations = [os.path.dirname(spec.origin)]
        roots.extend(os.path.abspath(p) for p in locations)
    return roots


def _searchable_path(path: str) -> bool:
    """Every ancestor of ``path`` is ``o+x`` and ``path`` itself ``o+rx``."""
    parts = path.split(os.sep)
    for i in range(1, len(parts)):
        ancestor = os.sep.join(parts[:i]) or os.sep
        try:
            if not os.stat(ancestor).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    try:
        return os.stat(path).st_mode & _DIR_OK == _DIR_OK
    except OSError:
        return False


def _tree_readable(root: str) -> bool:
    for dirpath, dirnames, filenames in os.walk(root, onerror=lambda e: None):
        for d in dirnames:
            try:
                if os.stat(os.path.join(dirpath, d)).st_mode & _DIR_OK != _DIR_OK:
                    return False
            except OSError:
                return False
        for f in filenames:
            try:
                if not os.stat(os.path.join(dirpath, f)).st_mode & stat.S_IROTH:
                    return False
            except OSError:
                return False
    return True


def readable_by_everyone(roots: list[str] | None = None, tree: str | None = None) -> bool:
    """True when any user can import what the daemon may import after a user switch:
    ``roots`` (default ``lazy_roots()``) searchable from ``/``, and every file under ``tree``
    (default this package) readable."""
    roots = lazy_roots() if roots is None else roots
    tree = package_root() if tree is None else tree
    if not all(_searchable_path(r) for r in roots):
        return False
    return _tree_readable(tree)


__all__ = ["LAZY_LIBRARIES", "lazy_roots", "package_root", "readable_by_everyone"]
