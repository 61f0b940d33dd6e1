"""The only package in esig that imports pyHanko.

Everything here is private: it converts between esig's public types (devices,
``cryptography`` certificates, pydantic models) and pyHanko's, so that a pyHanko
release can change without changing esig's public API.
"""

import logging

from esig._library_warnings import quietly_import

# pyHanko imports cryptography's DSA classes, which cryptography 51 deprecates with a
# warning printed on import: import it here, once, with the warning caught.
quietly_import("pyhanko.sign")

# pyHanko and its certificate validator log failed path validations with tracebacks at
# WARNING. Without a handler of the application's own, Python's last-resort handler
# would print them on stderr; esig reports those failures itself. An application that
# configures logging still receives them (the records propagate to its handlers).
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

# pyHanko's lenient reading of a damaged cross-reference stream can fill memory; bound it
# (see xref_guard) before any document is opened.
from esig._pyhanko import xref_guard  # noqa: E402

xref_guard.install()

# pyHanko reads hex strings (a signature's /Contents among them) one byte per call; while
# esig parses (hex_strings.esig_parsing), they are read in chunks with the same results.
from esig._pyhanko import hex_strings  # noqa: E402

hex_strings.install()
