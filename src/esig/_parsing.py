"""Whether the current context runs esig's own work (a flag the pyHanko adapter reads).

esig's entry points enter :func:`esig_parsing` around the work they hand to pyHanko. The
adapter's faster readers (``esig._pyhanko.hex_strings``) act only inside it, so that an
application's own pyHanko calls in the same process get pyHanko unchanged. A context
variable, so that each thread and each asyncio task sees its own caller's setting.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

__all__ = ["esig_parsing", "parsing_active"]

_ACTIVE: contextvars.ContextVar[bool] = contextvars.ContextVar("esig_parsing", default=False)


@contextlib.contextmanager
def esig_parsing() -> Iterator[None]:
    """Mark the block (and the tasks it starts) as esig's own parsing."""
    token = _ACTIVE.set(True)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def parsing_active() -> bool:
    """Whether the caller is inside :func:`esig_parsing`."""
    return _ACTIVE.get()
