"""``python -m esig.cli`` runs the ``esig`` command."""

from esig.cli.app import main

main()
