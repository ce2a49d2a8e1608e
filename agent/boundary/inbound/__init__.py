"""Inbound: everything fetched is redacted here before any other stage sees it."""
