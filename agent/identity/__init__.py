"""Where access tokens for real targets come from: one module per token source, chosen by name.

``token`` (the value type, the in-memory cache) is pure; the sources are adapters, imported
lazily by ``sources.open_source``.
"""
