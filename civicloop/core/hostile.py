"""A shared corpus of hostile input for tests: XSS, SQL, traversal, header injection, size and Unicode tricks.

Plain data (no Django imports) so any test can parametrize over it: ``HOSTILE`` holds every payload,
``HOSTILE_SAMPLE`` a representative dozen for the slower tests that write rows, ``HOSTILE_BYTES`` raw
byte strings that are not valid UTF-8 (for bodies sent as bytes), and ``HOSTILE_NEXT`` off-site
redirect targets for ``next`` parameters.
"""

from typing import NamedTuple


class Payload(NamedTuple):
    name: str  # a stable test id
    value: str
    executable: bool = False  # markup or a URL a browser would run if echoed verbatim into HTML


HOSTILE: tuple[Payload, ...] = (
    # Cross-site scripting
    Payload("xss-script", "<script>alert(1)</script>", executable=True),
    Payload("xss-img-onerror", '"><img src=x onerror=alert(1)>', executable=True),
    Payload("xss-svg-onload", "<svg/onload=alert(1)>", executable=True),
    Payload("xss-attr-breakout", "' onmouseover='alert(1)", executable=False),
    Payload("xss-javascript-url", "javascript:alert(1)"),
    Payload("xss-template-injection", "{{ settings.SECRET_KEY }}{% debug %}${7*7}"),
    # SQL injection
    Payload("sql-or-true", "' OR 1=1 --"),
    Payload("sql-drop-table", "'; DROP TABLE x; --"),
    Payload("sql-union", "1 UNION SELECT password FROM auth_user --"),
    Payload("sql-double-quote", '" OR ""="'),
    Payload("sql-like-wildcards", "%_%\\"),
    # Path traversal
    Payload("traversal-dotdot", "../../../../etc/passwd"),
    Payload("traversal-encoded", "..%2f..%2fetc%2fpasswd"),
    Payload("traversal-windows", "..\\..\\windows\\win.ini"),
    Payload("percent-null", "%00"),
    Payload("nul-byte", "a\x00b"),
    # Header injection
    Payload("crlf-set-cookie", "x\r\nSet-Cookie: a=b"),
    Payload("crlf-encoded", "x%0d%0aSet-Cookie:%20a=b"),
    # Size
    Payload("long-10k", "A" * 10_000),
    Payload("long-100k", "B" * 100_000),
    Payload("empty", ""),
    Payload("whitespace-only", " \t\n "),
    # Unicode tricks
    Payload("rtl-override", "abc\u202etxt.exe"),
    Payload("zero-width-joiners", "a\u200d\u200c\u200bb\ufeff"),
    Payload("homoglyph-domain", "https://раураl.com/login"),
    Payload("combining-pile", "Z" + "\u0334\u0321\u031b\u0336\u0358" * 40),
    Payload("emoji", "🚧🕳️👩🏽‍🚒🏳️‍🌈"),
    Payload("control-chars", "a\x01\x07\x1b[31mred\x7f"),
    Payload("unicode-line-separator", "a\u2028b\u2029c\x85d"),
    Payload("fullwidth-script", "＜script＞alert(1)＜/script＞"),
    # Numbers
    Payload("very-long-number", "9" * 400),
    Payload("negative-number", "-1"),
    Payload("big-negative", "-99999999999999999999"),
    Payload("float-overflow", "1e309"),
    Payload("nan", "NaN"),
    Payload("infinity", "-Infinity"),
    Payload("hex-number", "0x7fffffff"),
    # Structured-data breakers
    Payload("json-breaker", '{"'),
    Payload("json-object", '{"$ne": null, "__proto__": {"admin": true}}'),
    Payload(
        "xml-entity", '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', executable=True
    ),
    Payload("csv-formula", '=HYPERLINK("http://evil.example","x")'),
    Payload("soql-operators", "a = 'b' OR 1=1 ORDER BY ("),
)

_SAMPLE_NAMES = (
    "xss-script",
    "xss-img-onerror",
    "xss-javascript-url",
    "sql-or-true",
    "sql-drop-table",
    "traversal-dotdot",
    "nul-byte",
    "crlf-set-cookie",
    "long-10k",
    "rtl-override",
    "combining-pile",
    "emoji",
    "float-overflow",
    "json-breaker",
)
HOSTILE_SAMPLE: tuple[Payload, ...] = tuple(p for p in HOSTILE if p.name in _SAMPLE_NAMES)

# Not valid UTF-8: only sendable as a raw body (the test client encodes str).
HOSTILE_BYTES: tuple[tuple[str, bytes], ...] = (
    ("lone-surrogate-utf8", b"\xed\xa0\x80"),
    ("overlong-slash", b"\xc0\xaf"),
    ("truncated-multibyte", b"caf\xc3"),
    ("latin1", b"caf\xe9"),
)

HOSTILE_NEXT: tuple[tuple[str, str], ...] = (
    ("absolute", "https://evil.example/"),
    ("scheme-relative", "//evil.example/"),
    ("backslash", "/\\evil.example/"),
    ("javascript", "javascript:alert(1)"),
    ("triple-slash", "///evil.example/"),
    ("whitespace-prefix", " //evil.example/"),
)


def payload_ids(payloads: tuple[Payload, ...]) -> list[str]:
    return [payload.name for payload in payloads]
