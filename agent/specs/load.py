"""Load an OpenAPI document from a file, URL or ``git:REF:path`` into a bundled SpecDocument."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from agent.errors import InputError
from agent.models import SpecDocument
from agent.specs.bundle import Bundler, check_local_refs, collect_refs
from agent.specs.confine import RefPolicy
from agent.specs.fetch import locate, read
from agent.specs.location import Location
from agent.specs.parse import MAX_BYTES, parse_with_refs
from agent.urls import mask_url, split_url

_VARIABLE = re.compile(r"\{([^{}]*)\}")


def spec_version(doc: dict[str, Any], origin: str) -> str:
    """The ``openapi`` / ``swagger`` version string, or an InputError saying what this is instead."""
    for key in ("openapi", "swagger"):
        value = doc.get(key)
        if value is not None:
            version = str(value)
            if key == "swagger" and not version.startswith("2"):
                raise InputError(f"{origin}: unsupported swagger version {version!r}")
            if key == "openapi" and not version.startswith(("3.0", "3.1")):
                raise InputError(
                    f"{origin}: unsupported OpenAPI version {version!r} (3.0 and 3.1 are supported)"
                )
            return version
    raise InputError(f"{origin}: not an OpenAPI document (no 'openapi' or 'swagger' field)")


def _servers(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, server object) for the document's, every path item's and every operation's servers."""
    owners: list[tuple[str, Any]] = [("", doc)]
    paths = doc.get("paths")
    for path, item in paths.items() if isinstance(paths, dict) else ():
        if isinstance(item, dict):
            owners.append((f"paths.{path}.", item))
            owners += [(f"paths.{path}.{key}.", op) for key, op in item.items() if isinstance(op, dict)]
    for prefix, owner in owners:
        servers = owner.get("servers")
        for i, server in enumerate(servers if isinstance(servers, list) else ()):
            if isinstance(server, dict):
                yield f"{prefix}servers[{i}].url", server


def _at_defaults(url: str, variables: dict[str, Any]) -> str:
    """A server URL with each ``{name}`` replaced by its variable's default, where it has one."""

    def default(m: re.Match[str]) -> str:
        value = variables.get(m.group(1))
        given = value.get("default") if isinstance(value, dict) else None
        return str(given) if given is not None else m.group(0)

    return _VARIABLE.sub(default, url)


def check_servers(doc: dict[str, Any], origin: str) -> None:
    """Every server URL (``{variables}`` at their defaults) and a 2.0 ``host`` must parse.

    A spec's servers are data, never a target, but the diff, the planner and the boundary read
    their hosts and paths; a malformed one is an InputError naming its field, not a traceback.
    Userinfo is allowed: the boundary redacts it like any credential in a spec.
    """
    found: list[tuple[str, str, str]] = []
    if isinstance(doc.get("host"), str):
        found.append(("host", doc["host"], "//" + doc["host"]))
    for where, server in _servers(doc):
        url = server.get("url")
        if not isinstance(url, str):
            continue
        variables = server.get("variables")
        found.append((where, url, _at_defaults(url, variables if isinstance(variables, dict) else {})))
    for where, url, concrete in found:
        problem = split_url(concrete).problem
        if problem is not None:
            shown = mask_url(url)[:200]
            raise InputError(f"{origin}: {where} {shown!r} is not a valid URL: {problem}")


def load_spec(
    ref: str,
    *,
    remote_origins: Iterable[str] = (),
    ref_root: Path | None = None,
    validate: bool = True,
    strict: bool = False,
    cwd: Path | None = None,
    max_bytes: int = MAX_BYTES,
    engine: str = "auto",
) -> SpecDocument:
    """Fetch, parse, bundle (all ``$ref``s local) and validate one spec.

    Like oasdiff, a spec that parses but breaks the OpenAPI meta-schema is loaded anyway, its
    problems in ``SpecDocument.problems`` (for a warning); ``strict`` refuses it instead, and
    ``validate=False`` skips the check. What cannot be read as OpenAPI at all is always refused.

    External ``$ref``s are confined (:mod:`agent.specs.confine`): local ones to the spec's
    folder or ``ref_root``, remote ones to the spec's own origin and ``remote_origins``.
    Swagger 2.0 documents are validated as 2.0 and then converted to the OpenAPI 3.0 shape, so
    ``SpecDocument.version`` keeps the original version while ``document`` is 3.x-shaped.
    Every failure is an :class:`~agent.errors.InputError` (or ``SourceUnreachable``) with a
    one-line message.
    """
    location = locate(ref, cwd)
    if ref_root is not None and not ref_root.is_absolute():
        ref_root = (cwd or Path.cwd()) / ref_root
    policy = RefPolicy.for_spec(location, ref_root=ref_root, remote_origins=remote_origins)
    try:
        return _load(location, ref, policy, (validate, strict), max_bytes, engine)
    except RecursionError:
        raise InputError(f"{ref}: the document nests too deeply to process") from None
    except MemoryError:
        raise InputError(f"{ref}: the document is too large to process") from None


def _load(
    location: Location, ref: str, policy: RefPolicy, check: tuple[bool, bool], max_bytes: int, engine: str
) -> SpecDocument:
    data, location = read(location, max_bytes=max_bytes, origins=policy.origins)
    raw, refs = parse_with_refs(data, ref, max_bytes=max_bytes)
    if not isinstance(raw, dict):
        kind = "a list" if isinstance(raw, list) else f"a {type(raw).__name__}"
        raise InputError(f"{ref}: the top level is {kind}, not an OpenAPI object")
    version = spec_version(raw, ref)
    check_servers(raw, ref)
    swagger = version.startswith("2")
    if any(not r.startswith("#") for r in refs):
        bundler = Bundler(
            location,
            raw,
            schemas_at=("definitions",) if swagger else ("components", "schemas"),
            policy=policy,
            max_bytes=max_bytes,
        )
        raw = bundler.bundle()
        refs = collect_refs(raw)
    check_local_refs(raw, refs, ref)
    validate, strict = check
    problems: list[str] = []
    if validate:
        from agent.specs.metaschema import problems as find_problems

        problems = find_problems(raw, version, engine=engine)
        if problems and strict:
            raise InputError(f"{ref}: invalid OpenAPI {version} at {problems[0]} (refused: strict)")
    if swagger:
        from agent.specs.swagger2 import convert

        raw = convert(raw)
        check_local_refs(raw, collect_refs(raw), ref)
    return SpecDocument(ref=ref, version=version, document=raw, problems=tuple(problems))
