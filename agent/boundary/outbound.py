"""The outbound gate every proposal passes, whichever generator wrote it."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from agent.boundary.redact import Redactor
from agent.models import Finding, Proposal, SpecDocument


def allowed_hosts(spec: SpecDocument) -> list[str]:
    """Hosts a test script may name: the spec's own servers."""
    hosts = []
    for server in spec.document.get("servers") or []:
        if isinstance(server, dict):
            host = urlsplit(str(server.get("url", ""))).hostname
            if host:
                hosts.append(host)
    return hosts


def check_outbound(redactor: Redactor, proposal: Proposal, spec: SpecDocument) -> list[Finding]:
    """No secret anywhere in the item; scripts and request within the guard's policy."""
    findings: list[Finding] = []
    text = json.dumps(proposal.item, sort_keys=True)
    for secret in redactor.findings(text):
        findings.append(
            Finding(severity="error", code="secret-in-proposal", message=f"a {secret.kind} would leave the boundary")
        )
    from agent.boundary import policy

    hosts = allowed_hosts(spec)
    findings.extend(policy.check_item(proposal.item, hosts, ()))
    return findings
