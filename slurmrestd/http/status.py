"""HTTP status codes and the reason phrases slurmrestd writes on the status line.

The reference daemon uses its own (mostly upper-case) reason phrases; clients
only look at the number, but we match the text so captures compare equal.
"""

REASONS: dict[int, str] = {
    100: "CONTINUE",
    101: "SWITCH PROTOCOLS",
    200: "OK",
    201: "CREATED",
    202: "ACCEPTED",
    203: "OK (NON AUTHORITATIVE)",
    204: "NO CONTENT",
    205: "RESET CONNECTION",
    206: "PARTIAL CONTENT",
    300: "REDIRECT MULTIPLE CHOICES",
    301: "MOVED PERMANENTLY",
    302: "REDIRECT FOUND",
    303: "REDIRECT SEE OTHER",
    304: "NOT MODIFIED",
    305: "USE PROXY",
    307: "TEMP REDIRECT",
    400: "BAD REQUEST",
    401: "UNAUTHORIZED",
    402: "PAYMENT REQUIRED",
    403: "FORBIDDEN",
    404: "NOT FOUND",
    405: "NOT ALLOWED",
    406: "NOT ACCEPTABLE",
    407: "PROXY AUTHENTICATION REQUIRED",
    408: "REQUEST TIMEOUT",
    409: "CONFLICT",
    410: "GONE",
    411: "LENGTH REQUIRED",
    412: "PRECONDITION FAILED",
    413: "ENTITY TOO LARGE",
    414: "URI TOO LONG",
    415: "UNSUPPORTED MEDIA TYPE",
    416: "REQUEST RANGE UNJUSTIFIABLE",
    417: "EXPECTATION FAILED",
    418: "I'm a Teapot",
    421: "MISDIRECTED REQUEST",
    422: "UNPROCESSABLE CONTENT",
    426: "UPGRADE REQUIRED",
    431: "REQUEST HEADER FIELDS TOO LARGE",
    500: "INTERNAL ERROR",
    501: "NOT IMPLEMENTED",
    502: "BAD GATEWAY",
    503: "SERVICE UNAVAILABLE",
    504: "GATEWAY TIMEOUT",
    505: "HTTP VERSION NOT SUPPORTED",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    510: "Not Extended",
    511: "Network Authentication Required",
}


def reason(code: int) -> str:
    return REASONS.get(code, "UNKNOWN")
