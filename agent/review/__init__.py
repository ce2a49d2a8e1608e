"""`postwright review`: pending proposals one at a time, decisions stored as they are made.

``queue`` reads the store lazily (ids first, one proposal when shown), ``screen`` renders a
proposal from boundary output only, ``decide`` records decisions, ``editing`` re-checks and
re-verifies a hand edit, ``publishing`` sends the accepted tests through the configured
publisher, ``terminal`` reads keys (prompt_toolkit) or lines (a dumb terminal) and ``session``
is the interactive loop.
"""
