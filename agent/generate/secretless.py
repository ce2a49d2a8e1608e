"""Whether a request value, under the name it is sent with, reads as a secret to the outbound gate.

The gate (``boundary/outbound/secret_gate``) runs the redactor's detectors over every string
of a proposal and drops the test on any finding. Data generation asks first, with the shapes
the gate sees a value in (a JSON member, a ``key: value`` pair, a query string), so that a
spec's secret-looking example is not copied and a generated string that happens to look random
under a name like ``key`` is drawn again, instead of the test being lost.
"""

from __future__ import annotations

import json
from functools import lru_cache
from urllib.parse import quote

from agent.boundary.inbound.detect import PLACEHOLDER
from agent.boundary.inbound.redact import Redactor

# Only its detectors are used (findings, clean): no value is redacted or recorded here.
_DETECTORS = Redactor()
_LONGEST = 4096  # longer strings are judged on their own shape only: a name adds nothing there


def _shapes(name: str, value: str) -> list[str]:
    """The texts the gate may see ``value`` in, one per shape."""
    member = json.dumps(value, ensure_ascii=True)
    if not name:
        return [value, member]
    key = json.dumps(name, ensure_ascii=True)
    return [
        f"{key}: {member}",
        f"{key}:{member}",
        f"{name}: {value}",
        f"?{quote(name, safe='{}')}={quote(value, safe='{}')}",
    ]


@lru_cache(maxsize=8192)
def reads_as_secret(name: str, value: str) -> bool:
    """Whether ``value`` sent under ``name`` would be refused as a secret, or is a redaction placeholder.

    A placeholder means the spec's value was a secret and was redacted on input: it is no
    value of the API either, so it is not sent.
    """
    if PLACEHOLDER.search(value):
        return True
    texts = _shapes(name if len(value) <= _LONGEST else "", value)
    return not all(_DETECTORS.clean(texts)) and any(_DETECTORS.findings(text) for text in texts)
