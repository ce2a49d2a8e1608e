"""``python -m agent`` runs the CLI."""

from agent.cli.main import main

main()
