"""Run esig's async core from synchronous code, also inside a running event loop.

``asyncio.run`` fails when the calling thread already runs an event loop (Jupyter,
ASGI handlers). There the coroutine runs to completion on a fresh loop in a worker
thread instead, and the caller blocks until it is done.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="esig-sync")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion and return its result, whatever loop is running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    return _pool.submit(asyncio.run, coro).result()
