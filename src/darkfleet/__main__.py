"""``python -m darkfleet`` runs the CLI."""

from darkfleet.cli.main import main

main()
