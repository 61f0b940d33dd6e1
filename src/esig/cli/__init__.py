"""The ``esig`` command.

Commands: ``demo``, ``sign``, ``verify``, ``extend``, ``cert show``, ``tl show``,
``devices list`` and ``schema report``.

Exit codes: 0 every signature passed (or the command succeeded); 1 a signature failed
or is indeterminate; 2 a usage or input error (one line on stderr, no traceback).
"""

from esig.cli.app import app, main

__all__ = ["app", "main"]
