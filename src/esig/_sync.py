"""Run esig's async core from synchronous code, also inside a running event loop.

``asyncio.run`` fails when the calling thread already runs an event loop (Jupyter,
ASGI handlers). There the coroutine runs to completion on a worker thread's loop
instead, and the caller blocks until it is done. Each thread keeps one event loop for
these calls, so a sync call does not pay for creating and closing a loop; the kept
loops are closed when the interpreter exits (an unclosed loop would warn then).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from esig._library_warnings import caught_library_warnings
from esig._parsing import esig_parsing

T = TypeVar("T")

_pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="esig-sync")
_local = threading.local()
_kept: list[asyncio.AbstractEventLoop] = []
_kept_lock = threading.Lock()


@atexit.register
def _close_kept_loops() -> None:
    with _kept_lock:
        loops, _kept[:] = list(_kept), []
    for loop in loops:
        if not loop.is_running() and not loop.is_closed():
            loop.close()


def _run_on_thread_loop(coro: Coroutine[Any, Any, T]) -> T:
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _local.loop = loop
        with _kept_lock:
            _kept[:] = [kept for kept in _kept if not kept.is_closed()]
            _kept.append(loop)
    # Every sync twin (sign_pdf, verify_pdf, extend_pdf, ...) passes here: the
    # libraries' warnings are caught once for all of them (esig._library_warnings), and
    # pyHanko reads hex strings in chunks while they run (esig._pyhanko.hex_strings).
    with caught_library_warnings("running esig's async core"), esig_parsing():
        return loop.run_until_complete(coro)


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion and return its result, whatever loop is running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        running = False
    else:
        running = True
    if not running:
        # Called outside the except block: inside it, every exception raised while the
        # coroutine runs (pyHanko's parser raises and catches many) would be chained to
        # the RuntimeError, which made verification about 30% slower.
        return _run_on_thread_loop(coro)
    return _pool.submit(_run_on_thread_loop, coro).result()
