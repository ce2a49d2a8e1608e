"""postwright: keeps an API's Postman tests in step with the API.

The public API is small; import the pipeline pieces from their modules.
"""

import sys

from agent.errors import PostwrightError

# jsonschema imports rfc3987_syntax when present (guardrails-ai pulls it in); it builds a
# grammar at import and costs seconds on every start. We use no IRI formats: keep it out.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

__version__ = "0.1.0"
__all__ = ["PostwrightError", "__version__"]
