"""Key names that hold a secret: which ones are strong enough to redact any value under them.

A *strong* name ends in a word that only ever names a credential (``PRIMARY_DB_PASSWORD``,
``NON_PROD_API_KEY``, ``S3_BUCKET_SECRET_KEY``, ``pw``, ``sid``): the value under it is
redacted whatever its entropy, unless it is a known non-secret (:func:`non_secret`). Other
names that merely mention a keyword (``monkey``, ``primary_key``, ``author``, ``next_token``)
keep the entropy rule.
"""

from __future__ import annotations

import re

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")

# Keywords too short to trust inside a longer word: "bypass", "passenger", "inside", "npw".
SHORT = frozenset({"pass", "pw", "pwd", "pswd", "psw", "sid"})

# A last word (merged names such as "dbpassword" or "accesstoken" end with one of these).
_STRONG_END = re.compile(
    r"(?:password|passwd|passphrase|pwd|pswd|secret|secrets|token|credentials?|creds|apikey|"
    r"secretkey|accesskey|privatekey|authkey|sessionid|sessionkey|sessid)$"
)
_STRONG_WORDS = frozenset(SHORT | {"secret", "secrets", "token", "credential", "credentials", "creds"})
# The last two words, when the last one ("key", "id") is weak on its own.
_STRONG_PAIRS = frozenset(
    {
        ("api", "key"),
        ("secret", "key"),
        ("access", "key"),
        ("private", "key"),
        ("auth", "key"),
        ("app", "key"),
        ("master", "key"),
        ("encryption", "key"),
        ("signing", "key"),
        ("session", "id"),
        ("session", "key"),
        ("client", "secret"),
    }
)
# Words that make a token-named key something other than a credential (pagination cursors,
# anti-forgery tokens) or a published key; such names keep the entropy rule.
_NOT_CREDENTIAL = frozenset(
    {"page", "next", "continuation", "pagination", "cursor", "sync", "csrf", "xsrf", "public", "pub"}
    | {"publishable", "max", "num", "total"}
)
# Test fixtures name their decoys: nonMatchingToken, fakeSecret, dummy_password.
DECOYS = frozenset({"fake", "dummy", "mock", "bogus", "invalid", "matching"})


def words(name: str) -> list[str]:
    """The lower-cased words of an identifier (camelCase, snake_case, kebab-case, dotted)."""
    return [w.lower() for w in _WORDS.findall(name)]


def strong(parts: list[str]) -> bool:
    """Whether a name (as :func:`words`) always holds a credential, whatever the value's entropy."""
    if not parts or DECOYS.intersection(parts) or _NOT_CREDENTIAL.intersection(parts):
        return False
    last = parts[-1]
    if last in _STRONG_WORDS or _STRONG_END.search(last):
        return True
    return len(parts) > 1 and (parts[-2], last) in _STRONG_PAIRS


def short_ok(parts: list[str], keyword: str) -> bool:
    """A short keyword (``pass``, ``pw``, ``sid``) counts only as a whole word of the name."""
    kw = keyword.lower()
    return kw not in SHORT or kw in parts


_BOOL = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled"})
# OpenAPI / JSON Schema types and formats: a schema rendered as text ("token": "uuid").
_TYPES = frozenset(
    {"string", "integer", "number", "boolean", "object", "array", "uuid", "date", "date-time", "email"}
    | {"binary", "byte", "int32", "int64", "float", "double", "password", "uri", "hostname", "ipv4"}
)
_NUMBER = re.compile(r"^[+-]?(?:\d{1,6}(?:\.\d+)?|\d*\.\d+)(?:[eE][+-]?\d+)?$")
_MASK = re.compile(r"^(?:\*+|x+|X+|#+|\.+|•+)$")


def non_secret(value: str) -> bool:
    """Booleans, small numbers (ports, counts, timeouts; six digits or fewer), masks and
    schema type names (``"token": "uuid"``).

    Templates (``{{var}}``, ``${VAR}``), our placeholders, ``<password>``-style stand-ins
    and stop-words (``changeme``, ``null``, ``required``) are judged by
    :func:`agent.boundary.inbound.entropy.is_placeholder_value`.
    """
    v = value.strip("\"'`")
    return v.lower() in _BOOL or v in _TYPES or bool(_NUMBER.match(v) or _MASK.match(v))
