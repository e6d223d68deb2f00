"""The bits of HTTP/1.1 grammar the request parser needs, compiled once.

Each pattern follows the ABNF of RFC 9110 (semantics) and RFC 9112 (message
syntax); the rule names in the comments are the RFCs'.  Everything works on
bytes, and every pattern that validates a whole element is meant to be used with
``fullmatch`` so that nothing trailing slips through.
"""

from __future__ import annotations

import re

# RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "."
#                         / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
_TCHAR = rb"[-!#$%&'*+.^_`|~0-9A-Za-z]"
TOKEN = re.compile(_TCHAR + rb"+")

# RFC 9110 §5.6.3: OWS = *( SP / HTAB )
OWS = b" \t"

# RFC 9110 §5.5: field-value = *field-content; field-content is VCHAR / obs-text
# separated by SP / HTAB.  OWS around the value is trimmed before matching, so
# this only has to reject control characters (NUL, CR, LF, DEL, …).
_FIELD_CHARS = rb"[\t\x20-\x7e\x80-\xff]*"
FIELD_VALUE = re.compile(_FIELD_CHARS)

# RFC 9112 §5: field-line = field-name ":" OWS field-value OWS.  No whitespace is
# allowed between the name and the colon; the name is checked separately so the
# error can say what was wrong.
FIELD_LINE = re.compile(rb"(?P<name>[^:]*):(?P<value>.*)", re.DOTALL)

# A field line that passes every check above at once (a token name, a colon, a value of
# field-content and OWS): one match for the common case; anything else takes the checks
# one by one, which also name what is wrong.
VALID_FIELD_LINE = re.compile(rb"(" + _TCHAR + rb"+):(" + _FIELD_CHARS + rb")")
# A whole header block of such lines, each ended by CRLF but the last (RFC 9112 §2.1: the
# empty line is not part of it): one match checks every line of the common case, and as
# field content holds no CR or LF, every CR and LF of a matching block is a line end.
_PLAIN_LINE = _TCHAR + rb"+:" + _FIELD_CHARS
VALID_FIELD_BLOCK = re.compile(rb"(?:" + _PLAIN_LINE + rb"\r\n)*" + _PLAIN_LINE)

# RFC 9112 §3: request-line = method SP request-target SP HTTP-version.
# Exactly one SP between the three parts; each part is a run of non-SP bytes.
# The parts are validated one by one afterwards (token, target, version).
REQUEST_LINE = re.compile(rb"(?P<method>[^ ]+) (?P<target>[^ ]+) (?P<version>[^ ]+)")

# RFC 9112 §2.3: HTTP-version = HTTP-name "/" DIGIT "." DIGIT, HTTP-name is
# case-sensitive.  ``HTTP/2`` and ``HTTP/3`` (a single digit) name real protocols
# we do not speak, so they are recognised here to answer 505 rather than 400.
HTTP_VERSION = re.compile(rb"HTTP/(?P<major>[0-9])(?:\.(?P<minor>[0-9]))?")

# RFC 9112 §3.2: the request-target is made of URI characters; we accept any
# visible ASCII (VCHAR) and leave finer checks (percent-encoding) to routing.
TARGET_CHARS = re.compile(rb"[\x21-\x7e]+")

# RFC 9112 §3.2.2: absolute-form = absolute-URI; only http and https are served.
ABSOLUTE_FORM = re.compile(
    rb"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<authority>[^/?]*)(?P<rest>.*)", re.DOTALL
)

# RFC 9112 §7.1: chunk-size = 1*HEXDIG, then optional chunk-ext.
#   chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
#   chunk-ext-val  = token / quoted-string
# The size is capped at 16 hex digits (64 bits); the body limit caps it further.
_BWS = rb"[ \t]*"
_QUOTED_STRING = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
_CHUNK_EXT = (
    rb"(?:" + _BWS + rb";" + _BWS + _TCHAR + rb"+"
    rb"(?:" + _BWS + rb"=" + _BWS + rb"(?:" + _TCHAR + rb"+|" + _QUOTED_STRING + rb"))?)*"
)
CHUNK_SIZE_LINE = re.compile(rb"(?P<size>[0-9A-Fa-f]{1,16})" + _CHUNK_EXT)

# RFC 9112 §6.3: Content-Length = 1*DIGIT (a list of values is rejected).
CONTENT_LENGTH = re.compile(rb"[0-9]+")
