"""postwright: keeps an API's Postman tests in step with the API.

The public API is small; import the pipeline pieces from their modules.
"""

from agent.errors import PostwrightError

__version__ = "0.1.0"
__all__ = ["PostwrightError", "__version__"]
