"""Secrets recognised by their context: key = value pairs, headers, cookies, URLs, PEM blocks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from agent.boundary.inbound.keynames import short_ok, strong, words
from agent.boundary.inbound.patterns import Rule
from agent.boundary.inbound.vetoes import (
    DENY_ANY,
    curl_check,
    judge_named,
    keyed_check,
    matched_keyword,
    named_value,
)

_I = re.IGNORECASE

# Keyword -> placeholder kind, most specific first (the first group that matched names the kind).
KEYWORDS: tuple[tuple[str, str], ...] = (
    # Short keys (pass, pw, pwd, sid) count only as a whole word of the name (keynames.short_ok).
    ("password", r"pass(?:w(?:or)?d|phrase)?|pwd|pswd|psw|pw"),
    ("client-secret", r"client[_.\-]?secret"),
    ("private-key", r"private[_.\-]?key"),
    ("api-key", r"api[_.\-]?key|apikey|access[_.\-]?key|secret[_.\-]?key|auth[_.\-]?key|app[_.\-]?key"),
    ("secret", r"secret"),
    ("token", r"token"),
    ("credential", r"credentials?|creds"),
    ("session", r"session[_.\-]?(?:id|key)|sessid|sid"),
    ("signature", r"signature"),
    ("auth", r"auth"),
    ("key", r"key"),
    ("access", r"access"),
)
KW_ALT = "|".join(f"(?P<k{i}>{body})" for i, (_, body) in enumerate(KEYWORDS))
# The prefilter already demands an operator and four value characters: "password=***" and
# "secrets_masker.py:310}" are then not even candidates (they are most keyword hits in logs).
_KW_PREFILTER = (
    "(?:" + "|".join(body for _, body in KEYWORDS) + r")[A-Za-z0-9_.\-]{0,30}"
    r"(?:\s+(?:string|str|var|\[\]byte))?"
    # Quotes may be JSON-escaped once or twice (\"password\": \"...\"), as Airflow 3 renders lines.
    r"""(?:\\{0,3}["'`]?[ \t]{0,16}(?:[:?|!.+]{0,3}=>?|:|->|<-|,)\s{0,4}"""
    r"""(?:\(?\\{0,3}["'`]|[bru]?["'])?|>\s{0,40})"""
    r"""[^\s"'`,;&<>()\[\]{}*\\|]{4}"""
)

# Keyword starts in lower-cased text: a plain alternation of literals, which ``re`` scans with a
# first-character set, where the case-less _KEYED would try every branch at every offset.
KW_START = re.compile("|".join(body for _, body in KEYWORDS))

_VALUE = r"""[^\s"'`,;&<>()\[\]{}*\\|]"""
_KEYED = re.compile(
    # No pattern for the name before the keyword: a lazy prefix costs 40 tries at every offset.
    rf"""(?P<key>(?:{KW_ALT})[A-Za-z0-9_.\-]{{0,30}})(?:\s+(?:string|str|String|\[\]byte|var))?"""
    # The value sits on the operator's line ("password=\nurl=..." is an empty password), except
    # after an XML tag (<apiToken>\n  value).
    r"""(?:(?:\\{1,3})?["'`]?[ \t]{0,16}(?P<op>[:?|!.+]{0,3}=>?|:|->|<-|,)[ \t]{0,4}"""
    r"""(?:\(?(?:\\{1,3})?["'`]|[bru]?["'])?|(?P<tag>>)\s*)"""
    rf"""(?P<s>{_VALUE}{{4,300}})""",
    _I,
)


@lru_cache(maxsize=16)
def _kind_groups(pattern: re.Pattern[str]) -> tuple[tuple[int, str], ...]:
    """(group number, kind) of a pattern's keyword groups ``k0``, ``k1``... (looked up once)."""
    return tuple((pattern.groupindex[f"k{i}"], kind) for i, (kind, _) in enumerate(KEYWORDS))


def keyed_kind(m: re.Match[str]) -> str:
    """Name the placeholder after the keyword that matched (password, token, api-key, ...)."""
    spans = m.regs
    for group, kind in _kind_groups(m.re):
        if spans[group][0] >= 0:
            return kind
    return "secret"


_COOKIE_ATTRS = frozenset(
    {"path", "domain", "expires", "max-age", "samesite", "secure", "httponly", "priority", "partitioned"}
    | {"version", "comment"}
)
_COOKIE_PAIR = re.compile(r"(?P<name>[^=;\s]+)=(?P<value>[^;\s\"']*)")


def cookie_values(header_value: str) -> Iterator[tuple[int, int]]:
    """Spans of cookie values inside a ``Cookie``/``Set-Cookie`` header value (attributes kept)."""
    for m in _COOKIE_PAIR.finditer(header_value):
        if m.group("name").lower() not in _COOKIE_ATTRS and len(m.group("value")) >= 4:
            yield m.start("value"), m.end("value")


COOKIE = re.compile(r"""(?<![A-Za-z0-9_\-])(?:set-)?cookie["']?\s*[:=]\s*["']?(?P<s>[^\r\n"']{4,4000})""", _I)

PEM = re.compile(
    r"-----BEGIN[ A-Z0-9_\-]{0,100}PRIVATE KEY(?: BLOCK)?-----"
    rf"(?!-----END)(?P<s>(?:(?!-----END)[\s\S]){{1,{30_000}}}?|(?:[\\A-Za-z0-9+/=:,.\- \t\r\n])+)"
    r"(?:-----END[ A-Z0-9_\-]{0,100}PRIVATE KEY(?: BLOCK)?-----|$)"
)

# "http://host:8080/@scope/pkg" has no password: a port and a path before the "@".
_PORT_PATH = re.compile(r"^\d{1,5}(?:/|$)")

CONTEXT_RULES: tuple[Rule, ...] = (
    Rule(
        "private-key",
        PEM,
        r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY",
        min_len=16,
        priority=60,
        multiline=True,
    ),
    Rule(
        "authorization-header",
        re.compile(
            r"""(?:proxy-)?authori[sz]ation["']?\s*[:=]\s*["']?"""
            r"""(?:(?:bearer|basic|token|digest|negotiate|ntlm|apikey|api-key|sso-key|bot|aws4-hmac-sha256|hmac|splunk|otp)\s+)?"""
            r"""(?P<s>[A-Za-z0-9._~+/=:%\-]{8,4000})""",
            _I,
        ),
        "authori[sz]ation",
        caseless=True,
        priority=40,
        kind_of=lambda m: "authorization",
    ),
    Rule(
        "bearer-token",
        re.compile(r"(?<![A-Za-z0-9_\-])bearer\s+(?P<s>[A-Za-z0-9._~+/\-]{16,4000}=*)", _I),
        "bearer",
        caseless=True,
        min_len=16,
        min_entropy=3.0,
        priority=35,
        kind_of=lambda m: "bearer-token",
    ),
    Rule("cookie", COOKIE, "cookie", caseless=True, min_len=8, min_entropy=2.5, priority=35),
    Rule(
        "url-password",
        re.compile(
            # The password runs to the last "@" before a host, so it may hold @ / # % ' & itself
            # (postgresql://u:p@ss/w#rd@db:5432/x); drivers accept these unencoded.
            r"""[A-Za-z][A-Za-z0-9+.\-]{1,30}://[^\s:/@?#\[\]"'<>\\]{0,256}:(?P<s>[^\s?"<>\\]{1,256})@"""
            r"""(?=(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.\-]*[A-Za-z0-9])(?::\d{1,5})?(?:[/?#\s"',;)\]\\&|>]|$))"""
        ),
        r"://[^\s:/@]{0,256}:[^\s]{1,256}@",
        min_len=1,
        priority=45,
        check=lambda m, v: not _PORT_PATH.match(v),
    ),
    Rule(
        "curl-auth",
        re.compile(
            # The whole user:password pair goes: either half may be the secret ("-u :pw", "-u key:").
            r"""(?<![\w-])(?:-u|--user)(?:\s+|=)(?P<s>["'{]*[^\s:"']{0,100}["'}]*:["'{]*[^\s"']{0,200})""",
            _I,
        ),
        r"(-u|--user)[\s=][^\s:]{0,100}:",
        caseless=True,
        min_len=3,
        priority=40,
        check=curl_check,
    ),
    Rule(
        "url-credential",
        re.compile(
            r"""[?&;#](?:[A-Za-z0-9_.\-]*(?:token|api[_\-]?key|apikey|secret|passw(?:or)?d|pwd|signature|credential)"""
            r"""[A-Za-z0-9_.\-]*|key|sig|code|auth|x-amz-security-token)=(?P<s>[^&\s#"'<>;]{6,4000})""",
            _I,
        ),
        r"[?&;#][A-Za-z0-9_.-]{0,40}(token|key|secret|passw|pwd|signature|credential|sig|code|auth)[A-Za-z0-9_.-]{0,40}=",
        caseless=True,
        min_len=6,
        min_entropy=2.5,
        priority=38,
        check=named_value,
    ),
    Rule(
        "azure-connection-string",
        re.compile(
            r"(?:AccountKey|SharedAccessKey|SharedAccessSignature|SharedSecret)\s*=\s*(?P<s>[A-Za-z0-9+/%=\-_.&:]{16,4000})",
            _I,
        ),
        "AccountKey|SharedAccess|SharedSecret",
        caseless=True,
        min_len=16,
        priority=40,
    ),
    Rule(
        "config-value",
        re.compile(
            r"""key\s*=\s*["'][^"'<>]{0,60}(?:passw|secret|token|api[_\-]?key)[^"'<>]{0,60}["']\s+value\s*=\s*["'](?P<s>[^"'<>]{4,400})""",
            _I,
        ),
        r"key\s*=\s*[\"'][^\"'<>]{0,60}(passw|secret|token|api[_-]?key)",
        caseless=True,
        min_len=4,
        priority=30,
        kind_of=lambda m: "password",
    ),
    Rule(
        "keyed-secret",
        _KEYED,
        _KW_PREFILTER,
        caseless=True,
        min_len=4,  # keyed_check judges the value: any entropy under a strong name, else 3.0 bits
        priority=20,
        next_line=True,
        starts=KW_START,
        kind_of=keyed_kind,
        check=keyed_check,
    ),
)

# Field names that hold a secret value (JSON/YAML keys, parameter names), as a whole name.
_FIELD = re.compile(rf"^[A-Za-z0-9_.\-$@]{{0,40}}?(?:{KW_ALT})[A-Za-z0-9_.\-]{{0,30}}$", _I)
# ...but not the names that describe a secret rather than hold one (tokenUrl, token_type, ...).
_FIELD_META = re.compile(
    r"(?:type|url|uri|endpoint|name|format|in|expires?(?:_?in|_?at)?|expiry|ttl|length|count|path|file|"
    r"header|prefix|field|location|scheme|policy|rotation|required|enabled|hint|id_?list)$",
    _I,
)


@lru_cache(maxsize=65536)  # spec walks ask about the same few hundred keys again and again
def field_kind(name: str) -> str | None:
    """The placeholder kind for a field named like a secret (``apiKey`` -> api-key), else None."""
    if len(name) > 80 or _FIELD_META.search(name):
        return None
    m = _FIELD.match(name)
    if m is None or name.lower() in ("key", "keys", "access", "auth", "author", "authors"):
        return None
    parts = words(name)
    if not short_ok(parts, matched_keyword(m)):  # passenger, inside, npw
        return None
    if not strong(parts) and DENY_ANY.intersection(parts):  # author_association, primary_key
        return None
    return keyed_kind(m)


def field_secret(name: str, value: str) -> str | None:
    """The placeholder kind when ``value``, a sample under the field ``name``, is a secret, else None.

    The value is judged like ``name = value`` in text (:func:`~agent.boundary.inbound.vetoes.judge_named`):
    under a strong name anything but a known non-secret, else only a random-looking value.
    Signatures are not credentials: a webhook's HMAC or a commit's PGP signature is sent in the
    clear beside what it signs and grants nothing (a signed URL's query is caught as a URL).
    """
    kind = field_kind(name)
    m = _FIELD.match(name)
    if kind is None or kind == "signature" or m is None:
        return None
    return kind if judge_named(words(name), matched_keyword(m), value, asserted=True) else None
