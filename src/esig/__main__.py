"""``python -m esig``: the ``esig`` command."""

from esig.cli.app import main

main()
