"""Slurm hostlist expressions: ``node[1-3,10]`` <-> ``node1 node2 node3 node10``.

This is a behavioural re-implementation of Slurm's one-dimensional hostlist
(``hostlist_create``, ``hostlist_push``, ``hostlist_next`` and
``hostlist_ranged_string``).  Clients compare our answers with the reference
daemon's, so the quirks are kept on purpose:

* Items are separated by ``,``, space, tab and newline.  A bracket group may
  contain separators (``n[1, 2]`` is one item).
* Only the *last* bracket group of an item is the host range; earlier groups are
  expanded as prefixes, recursively.  The leftmost group does **not** vary
  slowest: ``a[1-2]b[1-2]c[1-2]`` walks ``b`` in the outer loop and ``a`` inside
  it (that is the order Slurm produces).
* Text after the last group (``n[1-2]-ib``) makes every host a separate
  single name; such hosts never merge into ranges.
* The zero-padding width of a range is the length of its low bound as written
  (``n[01-10]`` -> ``n01 .. n10``; ``n[1-10]`` -> ``n1 .. n10``).  Numbers are
  read like C ``strtoul``: leading white space and a ``+`` are accepted (and
  counted in the width), trailing junk after the low bound is ignored when a
  high bound follows (``n[1x-3]`` is rejected only because of the ``x``).
* ``n[1-]`` means ``n1``; ``n[[1]]`` is the single host ``n[1]``; a failure in
  a nested prefix group is silently dropped (Slurm ignores the error there).
* A range may not hold more than ``MAX_RANGE`` hosts and the prefix groups of
  one item no more than ``MAX_PREFIX_CNT`` values.
* Building keeps insertion order and duplicates.  A pushed range is merged into
  the previous one only when it continues it (same prefix, compatible width,
  ``lo == previous hi + 1``); the ranged string then groups consecutive ranges
  with the same prefix into one bracket.  Nothing is sorted or de-duplicated
  (``n3,n1,n2,n2`` -> ``n[3,1-2,2]``).
* Iterating a hostlist (what the REST endpoints use to list host names) stops
  at a host whose prefix does not fit Slurm's 80-byte name buffer and cuts
  longer numbered names to 79 bytes.  :func:`expand` does the same by default.

Multi-dimensional (``SYSTEM_DIMENSIONS`` > 1) systems are not supported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

__all__ = [
    "HostlistError",
    "Hostlist",
    "expand",
    "compress",
    "normalize",
    "MAX_RANGE",
    "MAX_PREFIX_CNT",
    "MAX_RANGES",
]

#: Most hosts a single ``lo-hi`` range may hold (Slurm's MAX_SLURM_NODES).
MAX_RANGE = 64 * 1024
#: Most values all prefix groups of one level of an item may produce.
MAX_PREFIX_CNT = 64 * 1024
#: Most comma-separated ranges inside one bracket group (Slurm aborts the
#: daemon there; we reject the expression instead).
MAX_RANGES = 256 * 1024
#: Size of the buffer Slurm formats one host name into (HOST_NAME_MAX + 16).
_NAME_BUF = 64 + 16

_ULONG_MAX = 2**64 - 1
_ULONG_WRAP = 2**64
_SEPARATORS = frozenset("\t, \n")
_C_SPACE = frozenset(" \t\n\v\f\r")
_DIGITS = frozenset("0123456789")


class HostlistError(ValueError):
    """An expression or host name that Slurm would refuse."""


# --------------------------------------------------------------------------
# small C-library look-alikes


def _isdigit(ch: str) -> bool:
    return ch in _DIGITS  # ASCII only, as C isdigit() in the C locale


def _strtoul(s: str) -> tuple[int, int]:
    """``strtoul(s, &end, 10)``: (value, characters consumed); 0 consumed = no number."""
    i, n = 0, len(s)
    while i < n and s[i] in _C_SPACE:
        i += 1
    neg = False
    if i < n and s[i] in "+-":
        neg = s[i] == "-"
        i += 1
    start = i
    while i < n and s[i] in _DIGITS:
        i += 1
    if i == start:
        return 0, 0
    value = int(s[start:i])
    if value > _ULONG_MAX:
        value = _ULONG_MAX
    elif neg:
        value = (-value) % (_ULONG_MAX + 1)
    return value, i


def _strnatcmp(a: str, b: str) -> int:
    """Slurm's natural-order string compare (white space skipped, digit runs by value)."""

    def compare_right(i: int, j: int) -> int:
        bias = 0
        while True:
            ca = a[i] if i < len(a) else ""
            cb = b[j] if j < len(b) else ""
            da, db = _isdigit(ca), _isdigit(cb)
            if not da and not db:
                return bias
            if not da:
                return -1
            if not db:
                return 1
            if ca < cb:
                bias = bias or -1
            elif ca > cb:
                bias = bias or 1
            i += 1
            j += 1

    def compare_left(i: int, j: int) -> int:
        while True:
            ca = a[i] if i < len(a) else ""
            cb = b[j] if j < len(b) else ""
            da, db = _isdigit(ca), _isdigit(cb)
            if not da and not db:
                return 0
            if not da:
                return -1
            if not db:
                return 1
            if ca != cb:
                return -1 if ca < cb else 1
            i += 1
            j += 1

    ai = bi = 0
    while True:
        while ai < len(a) and a[ai] in _C_SPACE:
            ai += 1
        while bi < len(b) and b[bi] in _C_SPACE:
            bi += 1
        ca = a[ai] if ai < len(a) else ""
        cb = b[bi] if bi < len(b) else ""
        if _isdigit(ca) and _isdigit(cb):
            if ca == "0" or cb == "0":
                r = compare_left(ai, bi)
            else:
                r = compare_right(ai, bi)
            if r:
                return r
        if not ca and not cb:
            return 0
        if ca != cb:
            if not ca:
                return -1
            if not cb:
                return 1
            return -1 if ca < cb else 1
        ai += 1
        bi += 1


def _pad(num: int, width: int) -> str:
    """``%0*lu``."""
    return str(num).rjust(width, "0")


def _zero_padded(num: int, width: int) -> int:
    n = len(str(num))
    return width - n if width > n else 0


def _blen(s: str) -> int:
    return len(s.encode("utf-8", "surrogatepass"))


# --------------------------------------------------------------------------
# ranges


class _Range:
    """One prefix with a numeric ``lo..hi`` suffix range, or a single literal name."""

    __slots__ = ("prefix", "lo", "hi", "width", "single")

    def __init__(self, prefix: str, lo: int = 0, hi: int = 0, width: int = 0, single: bool = False):
        self.prefix = prefix
        self.lo = lo
        self.hi = hi
        self.width = width
        self.single = single

    def count(self) -> int:
        # C unsigned arithmetic: a range merged across ULONG_MAX wraps to 0.
        return 1 if self.single else (self.hi - self.lo) % _ULONG_WRAP + 1

    def copy(self) -> "_Range":
        return _Range(self.prefix, self.lo, self.hi, self.width, self.single)

    def numstr(self) -> str:
        if self.single:
            return ""
        s = _pad(self.lo, self.width)
        if self.lo < self.hi:
            s += "-" + _pad(self.hi, self.width)
        return s

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        if self.single:
            return "_Range(%r)" % self.prefix
        return "_Range(%r, %d, %d, %d)" % (self.prefix, self.lo, self.hi, self.width)


def _prefix_cmp(h1: _Range, h2: _Range | None) -> int:
    if h2 is None:
        return -1
    r = _strnatcmp(h1.prefix, h2.prefix)
    return r if r else int(h2.single) - int(h1.single)


def _within_range(h1: _Range, h2: _Range | None) -> bool:
    """Would both ranges be written inside the same bracket?"""
    return h2 is not None and _prefix_cmp(h1, h2) == 0 and not h1.single and not h2.single


def _width_combine(h0: _Range, h1: _Range) -> bool:
    """Can two widths be treated as one?  Adjusts one of them when they can."""
    if h0.width == h1.width:
        return True
    npad = _zero_padded(h0.lo, h0.width)
    nmpad = _zero_padded(h0.lo, h1.width)
    mpad = _zero_padded(h1.lo, h1.width)
    mnpad = _zero_padded(h1.lo, h0.width)
    if npad != nmpad and mpad != mnpad:
        return False
    if npad != nmpad:
        h1.width = h0.width
    else:
        h0.width = h1.width
    return True


class _Span:
    """A parsed ``lo[-hi]`` element of a bracket group."""

    __slots__ = ("lo", "hi", "width")

    def __init__(self, lo: int, hi: int, width: int):
        self.lo, self.hi, self.width = lo, hi, width


def _parse_single_range(text: str) -> _Span | None:
    if "x" in text:  # boxes belong to multi-dimensional systems
        return None
    dash = text.find("-")
    if dash >= 0:
        lo_s, hi_s = text[:dash], text[dash + 1 :]
        if hi_s.startswith("-"):  # no negative numbers
            return None
    else:
        lo_s, hi_s = text, None
    width = _blen(lo_s)
    lo, used = _strtoul(lo_s)
    if used == 0:
        return None
    if hi_s:
        hi, used_hi = _strtoul(hi_s)
        if used_hi == 0 or used_hi != len(hi_s):
            return None
    else:
        hi = lo
        if used != len(lo_s):
            return None
    if lo > hi:
        return None
    if hi - lo + 1 > MAX_RANGE:
        return None
    return _Span(lo, hi, width)


def _parse_range_list(text: str) -> list[_Span] | None:
    pieces = text.split(",")
    if len(pieces) > MAX_RANGES:
        return None
    out = []
    for piece in pieces:
        span = _parse_single_range(piece)
        if span is None:
            return None
        out.append(span)
    return out


def _tokens(s: str) -> Iterator[str]:
    """Split on separators, keeping bracket groups (even with separators inside) whole."""
    i, n = 0, len(s)
    while True:
        while i < n and s[i] in _SEPARATORS:
            i += 1
        if i >= n:
            return
        start = parse = i
        while True:
            while i < n and s[i] not in _SEPARATORS:
                i += 1
            moved = False
            while True:
                ob = s.find("[", parse, i)
                if ob < 0:
                    break
                cb = s.find("]", parse)
                if cb < 0 or cb < ob:
                    break
                if cb < i:
                    parse = cb + 1
                    continue
                i = cb
                moved = True
                break
            if not moved:
                break
        yield s[start:i]


class _TooMany(Exception):
    pass


# --------------------------------------------------------------------------
# the hostlist


class Hostlist:
    """An ordered list of host ranges, as Slurm's ``hostlist_t``.

    ``Hostlist(expr)`` parses like ``hostlist_create`` and raises
    :class:`HostlistError` (``"Invalid hostlist string: <expr>"``) where that
    returns NULL.  ``max_hosts`` (ours, not Slurm's) bounds the number of hosts
    the list may hold; exceeding it raises :class:`HostlistError` too.
    """

    __slots__ = ("_ranges", "_nhosts", "_max_hosts")

    def __init__(self, expr: str | None = None, *, max_hosts: int | None = None):
        self._ranges: list[_Range] = []
        self._nhosts = 0
        self._max_hosts = max_hosts
        if expr:
            if not self._parse_into(expr):
                raise HostlistError("Invalid hostlist string: %s" % expr)

    # -- building ---------------------------------------------------------

    def _push_range(self, hr: _Range) -> None:
        ranges = self._ranges
        if ranges:
            tail = ranges[-1]
            if (
                not hr.single
                and tail.hi == (hr.lo - 1) % _ULONG_WRAP
                and _prefix_cmp(tail, hr) == 0
                and _width_combine(tail, hr)
            ):
                tail.hi = hr.hi
                self._added(hr.count())
                return
        ranges.append(hr.copy())
        self._added(hr.count())

    def _added(self, n: int) -> None:
        self._nhosts += n
        if self._max_hosts is not None and self._nhosts > self._max_hosts:
            raise _TooMany()

    def _push_hr(self, prefix: str, suffix: str | None, span: _Span) -> None:
        if suffix:
            for i in range(span.lo, span.hi + 1):
                self._push_range(_Range(prefix + _pad(i, span.width) + suffix, single=True))
        else:
            self._push_range(_Range(prefix, span.lo, span.hi, span.width))

    def _push_range_list(self, prefix: str, suffix: str | None, spans: list[_Span]) -> bool:
        p = prefix.rfind("[")
        q = prefix.rfind("]", p) if p >= 0 else -1
        if p >= 0 and q >= 0:
            base, inner, after = prefix[:p], prefix[p + 1 : q], prefix[q + 1 :]
            recurse = "[" in base
            groups = _parse_range_list(inner)
            if groups is None:
                return False
            ok = True
            seen = 0
            for g in groups:
                seen += g.hi - g.lo + 1
                if seen > MAX_PREFIX_CNT:
                    return False
                for j in range(g.lo, g.hi + 1):
                    new_prefix = base + _pad(j, g.width) + after
                    if recurse:
                        # Slurm keeps the best return code of the nested
                        # levels, so an error below this level is ignored.
                        self._push_range_list(new_prefix, suffix, spans)
                    else:
                        for span in spans:
                            self._push_hr(new_prefix, suffix, span)
            return ok
        for span in spans:
            self._push_hr(prefix, suffix, span)
        return True

    def _parse_into(self, expr: str) -> bool:
        nul = expr.find("\0")
        if nul >= 0:  # a C string ends there
            expr = expr[:nul]
        try:
            for tok in _tokens(expr):
                p = tok.rfind("[")
                if p < 0:
                    self._push_name(tok)
                    continue
                prefix, rest = tok[:p], tok[p + 1 :]
                q = rest.find("]")
                if q < 0:
                    return False
                after = rest[q + 1 :]
                suffix = after if after and after[0] != "," else None
                spans = _parse_range_list(rest[:q])
                if spans is None:
                    return False
                if not self._push_range_list(prefix, suffix, spans):
                    return False
        except _TooMany:
            return False
        return True

    def _push_name(self, name: str) -> None:
        idx = len(name) - 1
        while idx >= 0 and _isdigit(name[idx]):
            idx -= 1
        if idx == len(name) - 1:
            self._push_range(_Range(name, single=True))
            return
        digits = name[idx + 1 :]
        num = min(int(digits), _ULONG_MAX)
        self._push_range(_Range(name[: idx + 1], num, num, len(digits)))

    def push(self, hosts: str) -> int:
        """``hostlist_push``: parse ``hosts`` and append; returns how many hosts it added.

        Raises :class:`HostlistError` (``"Invalid hostlist string: …"``) when
        ``hosts`` does not parse; nothing is appended then.
        """
        other = Hostlist(hosts, max_hosts=self._max_hosts)
        try:
            for hr in other._ranges:
                self._push_range(hr)
        except _TooMany:
            raise HostlistError("Invalid hostlist string: %s" % hosts) from None
        return other._nhosts

    def push_host(self, name: str) -> None:
        """``hostlist_push_host``: append one literal host name (no bracket parsing)."""
        try:
            self._push_name(name)
        except _TooMany:
            raise HostlistError("Invalid host string: %s" % name) from None

    # -- reading ----------------------------------------------------------

    def __len__(self) -> int:
        return self._nhosts

    @property
    def count(self) -> int:
        """``hostlist_count``."""
        return self._nhosts

    def hosts(self, *, slurm_name_limit: bool = True) -> Iterator[str]:
        """The host names in order (``hostlist_next``).

        With ``slurm_name_limit`` (the default) iteration stops at a host whose
        prefix does not fit Slurm's 80-byte buffer and longer numbered names are
        cut to 79 bytes, exactly as the reference lists them.
        """
        for hr in self._ranges:
            if slurm_name_limit:
                plen = _blen(hr.prefix)
                if plen + 1 >= _NAME_BUF:
                    return
            if hr.single:
                yield hr.prefix
                continue
            for depth in range(hr.count()):
                digits = _pad((hr.lo + depth) % _ULONG_WRAP, hr.width)
                if not slurm_name_limit:
                    yield hr.prefix + digits
                    continue
                if len(digits) >= _NAME_BUF:
                    return
                name = hr.prefix + digits
                raw = name.encode("utf-8", "surrogatepass")
                if len(raw) >= _NAME_BUF:
                    name = raw[: _NAME_BUF - 1].decode("utf-8", "ignore")
                yield name

    def __iter__(self) -> Iterator[str]:
        return self.hosts()

    def ranged_string(self) -> str:
        """``hostlist_ranged_string``: ``prefix[a-b,c],other`` in list order."""
        ranges = self._ranges
        n = len(ranges)
        out: list[str] = []
        i = 0
        while i < n:
            first = ranges[i]
            bracket = first.count() > 1 or _within_range(first, ranges[i + 1] if i + 1 < n else None)
            nums = []
            while True:
                nums.append(ranges[i].numstr())
                i += 1
                if not (i < n and _within_range(ranges[i], ranges[i - 1])):
                    break
            body = ",".join(nums)
            out.append(first.prefix + ("[" + body + "]" if bracket else body))
        return ",".join(out)

    def __str__(self) -> str:
        return self.ranged_string()

    def __repr__(self) -> str:
        return "Hostlist(%r)" % self.ranged_string()


# --------------------------------------------------------------------------
# convenience API


def expand(expr: str, *, max_hosts: int | None = None, slurm_name_limit: bool = True) -> list[str]:
    """Every host name of a hostlist expression, in Slurm's order, duplicates kept.

    ``expand("n[1-3,10]") == ["n1", "n2", "n3", "n10"]``; ``expand("") == []``.
    Raises :class:`HostlistError` ``"Invalid hostlist string: <expr>"`` where
    ``hostlist_create`` fails, or when more than ``max_hosts`` hosts result.

    The reference ``POST /util/…/hostnames`` endpoint first rewrites the
    expression with ``hostlist_ranged_string`` and expands that;
    ``expand(normalize(expr))`` reproduces it exactly (the two differ only for
    exotic names that contain brackets).
    """
    if not isinstance(expr, str):
        raise TypeError("hostlist expression must be a string, not %s" % type(expr).__name__)
    hl = Hostlist(expr, max_hosts=max_hosts)
    return list(hl.hosts(slurm_name_limit=slurm_name_limit))


def normalize(expr: str) -> str:
    """``hostlist_ranged_string(hostlist_create(expr))``; ``""`` for an empty expression."""
    if not isinstance(expr, str):
        raise TypeError("hostlist expression must be a string, not %s" % type(expr).__name__)
    return Hostlist(expr).ranged_string()


def compress(names: Iterable[str], *, max_hosts: int | None = None) -> str:
    """The ranged hostlist string of ``names``, as ``POST /util/…/hostlist`` computes it.

    Each item is pushed with ``hostlist_push`` (so an item may itself be an
    expression such as ``"n[1-2]"`` or ``"a,b"``), then the list is written with
    ``hostlist_ranged_string``: insertion order is kept, consecutive numbers with
    the same prefix merge, nothing is sorted and duplicates stay
    (``["n3", "n1", "n2"]`` -> ``"n[3,1-2]"``).  ``compress([]) == ""``.

    Raises :class:`HostlistError` ``"Invalid host string: <item>"`` for an item
    that does not parse or holds no host at all (``""``), as the reference's
    data parser does, and :class:`TypeError` for a non-string item.
    """
    if isinstance(names, str):
        raise TypeError("compress() takes an iterable of host names, not a string")
    hl = Hostlist(max_hosts=max_hosts)
    for name in names:
        if not isinstance(name, str):
            raise TypeError("host name must be a string, not %s" % type(name).__name__)
        try:
            added = hl.push(name)
        except HostlistError:
            raise HostlistError("Invalid host string: %s" % name) from None
        if not added:
            raise HostlistError("Invalid host string: %s" % name)
    return hl.ranged_string()
