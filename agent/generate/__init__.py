"""Generate: intents → Postman v2.1 proposals (rules by default) and collection rendering."""
