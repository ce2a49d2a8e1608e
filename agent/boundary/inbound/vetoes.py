"""Vetoes for contextual matches: names that only describe a secret, values that are not one."""

from __future__ import annotations

import re

from agent.boundary.inbound.entropy import is_placeholder_value, plausible
from agent.boundary.inbound.keynames import SHORT, non_secret, short_ok, strong, words

_I = re.IGNORECASE

_IDENT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-$")
_META_LAST = frozenset(
    {
        "id",
        "ids",
        "name",
        "names",
        "file",
        "filename",
        "path",
        "dir",
        "length",
        "len",
        "size",
        "type",
        "url",
        "uri",
        "endpoint",
        "hash",
        "chars",
        "str",
        "format",
        "pair",
        "event",
        "store",
        "vault",
        "field",
        "prefix",
        "header",
        "count",
        "version",
        "ref",
        "arn",
        "alias",
        "label",
        "policy",
        "source",
        "results",
        "index",
        "idx",
        "location",
        "mode",
        "method",
        "provider",
        "bits",
        "rotation",
        "expiry",
        "expires",
        "ttl",
        "manager",
        "env",
        "var",
        "variable",
        "lookup",
        "template",
        "address",
    }
)
DENY_ANY = frozenset(
    {
        "public",
        "pub",
        "pubkey",
        "primary",
        "foreign",
        "monkey",
        "monkeys",
        "keyword",
        "keywords",
        "keyframe",
        "keyboard",
        "keypress",
        "keypressed",
        "keydown",
        "keyup",
        "author",
        "authors",
        "authority",
        "accessor",
        "accessibility",
        "accessible",
        "issuer",
        "schema",
        "bucket",
        "sort",
        "partition",
        "random",
        "iterator",
        "meshing",
        "csrf",
        "xsrf",
        "keystore",
        "keytab",
        "kms",
        "monkeypatch",
        # Test fixtures name their decoys: nonMatchingToken, fakeSecret, dummy_password.
        "non",
        "fake",
        "dummy",
        "mock",
        "bogus",
        "invalid",
    }
)
_CODE_REF = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]+\d{0,3})+$")  # var.db_password, X25519.key_length
_FILE_EXT = re.compile(
    r"\.(?:pem|p12|pfx|key|crt|cer|jks|keytab|json|ya?ml|txt|pub|der|gpg|asc|env|ini|cfg)$", _I
)
_HOST = re.compile(
    r"^[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}(?::\d+)?$|^[^@\s]+@[A-Za-z0-9.\-]+\.[a-z]{2,}$"
)
_NAMED = re.compile(r"token|secret|api[_\-]?key|credential|[_\-]key$", _I)
# <add key="ClearTextPassword" value="..."/> and Postman's {"key": "Authorization", "value": ...}:
# the "key" holds a name, not a secret (the value beside it is judged on its own).
_ATTR_VALUE = re.compile(r"""["']\s*(?:,\s*)?["']?value["']?\s*[=:]""", _I)
_PLAIN_URL = re.compile(r"^[a-z][a-z0-9+.\-]{1,15}://[^@\s]*$", _I)  # credentials in URLs: url-password
_COMPARISON = re.compile(r"[=!<>]=[^=]")  # default_rc==0: code, not an assignment


def matched_keyword(m: re.Match[str]) -> str:
    """The keyword a keyed match found (``pass``, ``password``, ``token``; groups ``k0``, ``k1``...)."""
    return next((v for k, v in m.groupdict().items() if k[0] == "k" and k[1:].isdigit() and v), "")


def name_words(m: re.Match[str]) -> list[str]:
    """The words of the whole name a keyword sits in (``PRIMARY_DB_PASSWORD`` for ``PASSWORD``)."""
    text, i = m.string, m.start("key")
    while i > 0 and text[i - 1] in _IDENT and m.start("key") - i < 60:
        i -= 1
    if i > 0 and text[i - 1] == "%":  # "%22password", "%26pwd": the escape's digits are no word
        i += 2
    return words(text[i : m.end("key")])


def keyed_check(m: re.Match[str], value: str) -> bool:
    """Judge a ``key = value`` match (see :func:`judge_named`)."""
    text = m.string
    parts = name_words(m)
    if parts == ["key"] and _ATTR_VALUE.match(text, m.end("s")):
        return False
    quoted = m.start("s") > 0 and text[m.start("s") - 1] in "\"'`"
    if not quoted and _CODE_REF.match(value):
        return False
    if m.group("op") == "," and _FIELD_NAME.match(value):  # ["password", "author_association"]
        return False
    return judge_named(parts, matched_keyword(m), value, asserted=_asserted(m, quoted))


def judge_named(parts: list[str], keyword: str, value: str, *, asserted: bool) -> bool:
    """Whether ``value`` under the name ``parts`` is a secret.

    Under a strong name (:func:`agent.boundary.inbound.keynames.strong`) given as the name's value
    (``asserted``), every value but a known non-secret is one, whatever its entropy;
    otherwise it must look random. Names that only describe a secret (``token_type``) and
    values that are code, a file or a host are vetoed either way.
    """
    named = strong(parts)  # "session_id" is strong though "id" ends names that describe one
    if not parts or (parts[-1] in _META_LAST and not named) or not short_ok(parts, keyword):
        return False
    if _COMPARISON.search(value) or _PLAIN_URL.match(value) or _FILE_EXT.search(value) or _HOST.match(value):
        return False
    if asserted and named:
        return not (non_secret(value) or is_placeholder_value(value) or _names_a_secret(value))
    if DENY_ANY.intersection(parts) or _NAMED.search(value):
        return False
    if not asserted and (keyword.lower() in SHORT or (value.isalpha() and len(value) < 16)):
        return False  # prose: "password": "Please enter", "--- PASS: test_login (0.01s)"
    # People pick weak passwords; a weak one is still a leak. "pass" alone is often prose
    # ("Grants Pass, Oregon", "boarding pass: ...") and keeps the general bar.
    if keyword.lower() not in SHORT and _PASSWORD.match(keyword):
        return plausible(value, min_len=6, min_entropy=2.2)
    return plausible(value, min_len=8, min_entropy=3.0)


_PASSWORD = re.compile(r"pass|pwd|pswd|psw", _I)
# The next name in a list of field names, not a value: a lower-case word, snake_case, camelCase.
# Its parts are words (with at most a two-digit suffix): a random lower-case token is not.
_FIELD_NAME = re.compile(r"^[a-z]+\d{0,2}(?:(?:_[a-z]+|[A-Z][a-z]+)\d{0,2})*$")
_PROSE_REST = re.compile(r"[ \t]+[^\s]")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def _asserted(m: re.Match[str], quoted: bool) -> bool:
    """Whether the value is given as the key's value, not a word of prose after it
    ("Password: must be 8 characters", "the token, a key and a secret")."""
    text, end = m.string, m.end("s")
    after = text[end : end + 1]
    if m.group("tag"):
        return after == "<"  # <password>value</password>
    if quoted:
        return after in ('"', "'", "`", "\\")  # the whole quoted string, not its first word
    op = m.group("op") or ""
    if "=" in op:
        return True
    if op != ":":
        return False
    # In prose the value is a plain word with more words after it on the line; after a short
    # key ("--- PASS: test_login (0.01s)") anything with more words after it.
    more = _PROSE_REST.match(text, end) is not None
    return not (more and (m.group("s").isalpha() or matched_keyword(m).lower() in SHORT))


def _names_a_secret(value: str) -> bool:
    """A value that only names a secret: ``ACCESS_TOKEN``, ``my_api_key``, ``vault.secret``."""
    return bool(
        _NAMED.search(value)
        and _IDENTIFIER.match(value)
        and (value.isupper() or any(c in value for c in "_.-"))
    )


def curl_check(m: re.Match[str], value: str) -> bool:
    """The password half of ``user:password`` (or the only half) must look real."""
    user, _, password = value.strip("\"'{}").partition(":")
    secret = (password or user).strip("\"'{}")
    if secret.startswith(("$", "<", "[", "%", "{")) or secret.lower() in ("pass", "pwd", "yyy", "token"):
        return False
    return plausible(secret, min_len=4, min_entropy=1.5)


def named_value(m: re.Match[str], value: str) -> bool:
    """Veto a value that only names a secret (``?access_token=ACCESS_TOKEN``)."""
    return not _NAMED.search(value)
