"""Run work that may not end (a SPARQL evaluation) so that a time limit and Ctrl-C stop it.

pyoxigraph evaluates a query in Rust and releases the GIL while it does, both in
``Store.query`` and while the solutions are read, but it never returns to Python until it is
done: Python cannot run the SIGINT handler in that thread, and pyoxigraph (0.5) has no
timeout or cancellation of its own. So the work runs in a worker thread while the calling
thread waits, and can give up at the time limit or on Ctrl-C. The worker is told to stop
through an event it checks between rows; a step Oxigraph does in one go (a sort, an
aggregate) finishes in the background, which a command-line run does not wait for: the
process exits.

The worker has a large stack: Oxigraph's parser and optimiser recurse over the query, and a
long flat query that works in the main thread must not crash in a worker.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Stack of the worker thread: 64 MiB of address space, touched only as deep as it recurses.
WORKER_STACK_BYTES = 64 * 1024 * 1024

_stack_lock = threading.Lock()


def run_stoppable(
    work: Callable[[threading.Event], T],
    *,
    timeout: float | None,
    on_timeout: Callable[[], BaseException],
) -> T:
    """``work(stop)`` run in a worker thread; its result, or its exception re-raised here.

    After ``timeout`` seconds (None: no limit) the exception ``on_timeout()`` is raised; on
    Ctrl-C, ``KeyboardInterrupt``. Either way ``stop`` is set, for ``work`` to check between
    steps.
    """
    stop = threading.Event()
    done = threading.Event()
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work(stop)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            _release_frames(exc)
            outcome["error"] = exc
        finally:
            done.set()

    with _stack_lock:
        previous = threading.stack_size(WORKER_STACK_BYTES)
        try:
            worker = threading.Thread(target=target, name="pmgraph-query", daemon=True)
            worker.start()
        finally:
            threading.stack_size(previous)
    try:
        finished = done.wait(timeout if timeout and timeout > 0 else None)
    except BaseException:  # KeyboardInterrupt (Ctrl-C) or SystemExit (SIGTERM handlers)
        stop.set()
        raise
    if not finished:
        stop.set()
        log.debug("time limit of %s s reached; the worker was told to stop", timeout)
        raise on_timeout()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def _release_frames(exc: BaseException) -> None:
    """Free the locals of the frames in the tracebacks of ``exc`` and the exceptions it
    links to: pyoxigraph's result iterators must be dropped in the thread that made them,
    not wherever the caller lets go of the exception."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)
        pending += [current.__cause__, current.__context__]
