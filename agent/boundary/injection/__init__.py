"""Injected instructions: untrusted text is scored, quarantined and fenced here."""
