"""The trust boundary: inbound redaction and injection scoring, outbound policy and guard."""
