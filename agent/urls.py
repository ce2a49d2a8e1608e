"""URLs as they may be recorded or shown: userinfo and secret-named query values masked (pure).

Every place that stores, logs or prints a URL (run config, watermark keys, error messages,
``config show``, progress lines) goes through :func:`mask_url` or :func:`mask_urls`, so a
password in ``https://user:pass@host`` or a ``?access_token=`` never reaches a file or a console.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import unquote_plus, urljoin

from agent.boundary.inbound.keynames import words

MASK = "***"

# A whole word of a name that makes its value a credential (``DB_PASS``, ``?key=``, ``sig``).
# Broader than boundary.keynames.strong (which redacts whatever the entropy): a masked URL or
# setting loses nothing, so ``key``, ``code`` and ``sig`` count here.
_WORDS = frozenset(
    {
        "auth", "authorization", "bearer", "code", "cookie", "cred", "creds", "credential",
        "credentials", "jwt", "key", "otp", "pass", "passwd", "password", "passphrase", "pw", "pwd",
        "secret", "session", "sessionid", "sid", "sig", "signature", "token",
    }
)  # fmt: skip
# Anywhere in the flattened name (``PRIMARY_DB_PASSWORD``, ``X-Amz-Security-Token``, ``apiKey``).
_PARTS = ("token", "secret", "passw", "signature", "credential", "apikey", "accesskey", "privatekey")
_ENDS = ("pass", "pwd", "key", "token", "sig")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
# A host (name, IPv4 or [IPv6]) and port that end the authority.
_HOST_END = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~\-]+)(?::\d*)?(?=[/?#]|$)")
# ``user:pass`` before the host, where the part after ':' is not just a port (``host:8080/a@b``).
_USER_COLON = re.compile(r"^[^:/?#@]*:(?![0-9]*(?:[/?#]|$))")
# A URL inside free text: from its scheme to the next whitespace, quote or bracket.
_IN_TEXT = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s\"<>`]+")
_PARAM_SEP = re.compile(r"([&;])")


def secret_name(name: str) -> bool:
    """Whether a parameter, variable or setting named ``name`` holds a credential."""
    flat = re.sub(r"[^a-z0-9]", "", name.lower())
    if not flat:
        return False
    if any(part in flat for part in _PARTS) or flat.endswith(_ENDS):
        return True
    return not _WORDS.isdisjoint(words(name))


def _userinfo_end(rest: str) -> int:
    """Where the userinfo of ``rest`` (a URL after ``scheme://``) ends at its '@', or -1.

    A password may hold '/', '?', '#' or '@' unencoded (connection URIs do): then the userinfo
    ends at the last '@' followed by a host, up to where the query after the first such host
    starts (``?email=a@b`` is no userinfo). Ambiguous text is masked more rather than less.
    """
    if _USER_COLON.match(rest):
        hosts = [m for at in range(len(rest)) if rest[at] == "@" and (m := _HOST_END.match(rest, at + 1))]
        if hosts:
            query = re.compile(r"[?#]").search(rest, hosts[0].end())
            limit = query.start() if query else len(rest)
            return max(m.start() - 1 for m in hosts if m.start() <= limit)
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    return authority.rfind("@")


def _mask_params(text: str) -> str:
    """``a=1&token=x`` -> ``a=1&token=***``: values under secret names, the rest byte for byte."""
    out = []
    for part in _PARAM_SEP.split(text):
        name, eq, value = part.partition("=")
        if eq and value and value != MASK and secret_name(unquote_plus(name)):
            part = f"{name}={MASK}"
        out.append(part)
    return "".join(out)


def _split(url: str) -> tuple[str, str, str, str] | None:
    """(scheme://, userinfo, the rest up to the query, query-and-fragment) or None if no URL."""
    scheme = _SCHEME.match(url)
    if scheme is None:
        return None
    rest = url[scheme.end() :]
    at = _userinfo_end(rest)
    userinfo, rest = (rest[:at], rest[at + 1 :]) if at >= 0 else ("", rest)
    tail = re.search(r"[?#]", rest)
    cut = tail.start() if tail else len(rest)
    return scheme.group(), userinfo, rest[:cut], rest[cut:]


def _mask_tail(tail: str) -> str:
    """Query and fragment with secret-named values masked (``#access_token=`` too)."""
    return "".join(
        piece[0] + _mask_params(piece[1:]) if piece else "" for piece in re.split(r"(?=[?#])", tail)
    )


def mask_url(url: str) -> str:
    """``url`` with its userinfo (user and password: a user name can be a token) and every
    secret-named query or fragment value replaced by ``***``; text that is no URL is unchanged."""
    parts = _split(url)
    if parts is None:
        return url
    scheme, userinfo, middle, tail = parts
    return scheme + (f"{MASK}@" if userinfo else "") + middle + _mask_tail(tail)


def has_credentials(url: str) -> bool:
    """Whether ``url`` carries userinfo or a secret-named query or fragment value."""
    return mask_url(url) != url


def url_key(url: str) -> str:
    """A URL fit to key stored state by: no userinfo at all, secret-named values masked.

    Two runs against the same host with different credentials share the key.
    """
    parts = _split(url)
    if parts is None:
        return url
    scheme, _, middle, tail = parts
    return scheme + middle + _mask_tail(tail)


def mask_urls(text: str) -> str:
    """Every URL inside free text (an error message, a progress line) masked."""
    if "://" not in text:
        return text
    return _IN_TEXT.sub(lambda m: mask_url(m.group()), text)


# -- splitting a URL that may be malformed, without raising ---------------------------------

# A redaction placeholder (``[REDACTED:url-password:1]``): brackets and colons that urllib
# would read as an IPv6 literal or a port.
_PLACEHOLDER = re.compile(r"\[REDACTED:[^\]\s]{1,80}\]")
_PORT = re.compile(r"[0-9]{1,5}")


@dataclass(frozen=True)
class URLParts:
    """A URL's parts; ``problem`` says why its host or port is malformed (then both are empty)."""

    scheme: str  # lower case, "" for a relative URL
    host: str  # lower case, an IPv6 literal without brackets, "" if none
    port: int | None
    path: str
    query: str
    fragment: str
    userinfo: bool
    problem: str | None = None


def _host_port(authority: str) -> tuple[str, int | None, str | None]:
    """(host, port, problem) of an authority without userinfo; never raises."""
    authority = _PLACEHOLDER.sub("redacted", authority)
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            return "", None, "its host has an unclosed '['"
        literal, rest = authority[1:end], authority[end + 1 :]
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            return "", None, f"[{literal[:60]}] is not an IPv6 address"
        if rest and not rest.startswith(":"):
            return "", None, "text follows its IPv6 address"
        host, port = literal.lower(), rest[1:]
    else:
        host, _, port = authority.partition(":")
        if "[" in authority or "]" in authority:
            return "", None, "its host has a '[' or ']' outside an IPv6 address"
        host = host.lower()
    if not port:
        return host, None, None
    if "{" in port:  # a server variable: its value is not known here
        return host, None, None
    if not _PORT.fullmatch(port) or int(port) > 65535:
        return "", None, f"its port {port[:20]!r} is not a number from 0 to 65535"
    return host, int(port), None


def split_url(url: str) -> URLParts:
    """Split ``url`` (absolute, ``//host`` or a path) without raising, userinfo set aside.

    urllib's ``.hostname`` and ``.port`` raise ``ValueError`` on an unclosed ``[``, a non-IPv6
    literal or a bad port, and read a redaction placeholder in userinfo as an IPv6 literal;
    every URL from input (a spec, a log, a flag) is split here instead.
    """
    text = url.strip()
    scheme = _SCHEME.match(text)
    userinfo, authority = False, None
    if scheme is not None or text.startswith("//"):
        rest = text[scheme.end() :] if scheme is not None else text[2:]
        at = _userinfo_end(rest)
        if at >= 0:
            userinfo, rest = True, rest[at + 1 :]
        cut = re.search(r"[/?#]", rest)
        authority, text = (rest[: cut.start()], rest[cut.start() :]) if cut else (rest, "")
    text, _, fragment = text.partition("#")
    path, _, query = text.partition("?")
    host, port, problem = _host_port(authority) if authority is not None else ("", None, None)
    name = scheme.group()[:-3].lower() if scheme is not None else ""
    return URLParts(name, host, port, path, query, fragment, userinfo, problem)


def join_url(base: str, ref: str) -> str | None:
    """``urljoin(base, ref)``, or None where urllib cannot split either."""
    try:
        return urljoin(base, ref)
    except ValueError:
        return None
