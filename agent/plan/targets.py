"""Which parameter or property a change is about: quoted names in its text, pointers, fragments."""

from __future__ import annotations

import re
from typing import Any

from agent.models import Change

_QUOTED = re.compile(r"'([^']+)'|`([^`]+)`|\"([^\"]+)\"")


def quoted(change: Change) -> list[str]:
    """Names quoted in the change text, plus names found in its before/after fragments."""
    names = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(change.text)]
    for fragment in (change.after, change.before):
        if isinstance(fragment, dict):
            for key in ("name", "property", "parameter"):
                if isinstance(fragment.get(key), str):
                    names.append(fragment[key])
    for pointer in (change.source.revision, change.source.base):
        if pointer and "/properties/" in pointer:
            names.append(pointer.rsplit("/properties/", 1)[1].split("/")[0].replace("~1", "/"))
    return names


def property_path(change: Change) -> list[str] | None:
    """The removed/changed property as path segments ("items" marks array elements)."""
    # A pointer says where the property sits only inside an operation's own schema; one into
    # components/schemas says nothing about the path from the response body.
    for pointer in (change.source.base, change.source.revision):
        if pointer and "/properties/" in pointer and "/paths/" in pointer and "/schema/" in pointer:
            tail = pointer.split("/schema/", 1)[-1] if "/schema/" in pointer else pointer
            segments = [s.replace("~1", "/").replace("~0", "~") for s in tail.strip("#/").split("/")]
            return [s for s in segments if s != "properties"] or None
    for name in quoted(change):
        if name.isdigit() or name.startswith(("#", "application/")) or " " in name:
            continue
        if name.upper() in {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"}:
            continue
        if name.startswith("/") and "/" not in name[1:] and change.path.startswith(name):
            continue
        segments = [s for s in name.strip("/").split("/") if s]
        if segments and not name.startswith("/" + change.path.strip("/")):
            return segments
    return None


def status_in_text(change: Change) -> str | None:
    """A response status the change names ("... with the '200' status", "the 201 response")."""
    for name in quoted(change):
        if re.fullmatch(r"[1-5](\d\d|XX|xx)", name):
            return name.upper()
    found = re.search(r"\b([1-5](?:\d\d|XX|xx))\b(?:'|\s)*(?:response|status)", change.text)
    return found.group(1).upper() if found else None


def enum_values(fragment: Any) -> list[Any] | None:
    """The enum list in a schema fragment, if it is one."""
    if isinstance(fragment, list):
        return fragment
    if isinstance(fragment, dict) and isinstance(fragment.get("enum"), list):
        return list(fragment["enum"])
    return None
