"""Vetoes for contextual matches: names that only describe a secret, values that are not one."""

from __future__ import annotations

import re

from agent.boundary.entropy import plausible

_I = re.IGNORECASE

_IDENT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-$")
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
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
    }
)
_DENY_ANY = frozenset(
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


def keyed_check(m: re.Match[str], value: str) -> bool:
    """Veto keyed matches whose name only mentions a secret or whose value is code, a file or a host."""
    text, i = m.string, m.start("key")
    while i > 0 and text[i - 1] in _IDENT and m.start("key") - i < 60:
        i -= 1
    words = [w.lower() for w in _WORDS.findall(text[i : m.end("key")])]
    if not words or words[-1] in _META_LAST or _DENY_ANY.intersection(words):
        return False
    if words == ["key"] and _ATTR_VALUE.match(text, m.end("s")):
        return False
    if _COMPARISON.search(value) or _PLAIN_URL.match(value):
        return False
    quoted = m.start("s") > 0 and text[m.start("s") - 1] in "\"'`"
    if not quoted and _CODE_REF.match(value):
        return False
    return not (_FILE_EXT.search(value) or _HOST.match(value) or _NAMED.search(value))


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
