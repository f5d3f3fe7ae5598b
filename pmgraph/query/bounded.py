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

The hand-off is kept cheap, because a library query can take a tenth of a millisecond: the
worker waits for the next query instead of ending, the caller waits on a bare lock, and on
Linux the caller and the worker keep to the caller's CPU for the query's first
:data:`SHARED_SECONDS`, after which both may move again (:func:`_share_cpu`).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Stack of the worker thread: 64 MiB of address space, touched only as deep as it recurses.
WORKER_STACK_BYTES = 64 * 1024 * 1024

#: How long a query's worker is kept on its caller's CPU before both may move again.
SHARED_SECONDS = 0.002

_stack_lock = threading.Lock()
#: The name of a worker thread running a query, and of one waiting for the next.
BUSY, IDLE = "pmgraph-query", "pmgraph-query-idle"


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
    # A bare lock, released by the worker when it is done: waiting on it is as open to Ctrl-C
    # as an Event, and the hand-off costs a few microseconds where an Event's condition
    # variable cost about 90 (measured: docs/benchmarks.md).
    done = threading.Lock()
    done.acquire()
    outcome: dict[str, object] = {}

    def job() -> None:
        try:
            outcome["value"] = work(stop)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            _release_frames(exc)
            outcome["error"] = exc

    # no limit: None, 0, or more than a lock can wait for (inf)
    limit = timeout if timeout and 0 < timeout <= threading.TIMEOUT_MAX else None
    worker = _Worker.take()
    restore = _share_cpu(worker)
    try:
        worker.give(job, done, restore)
        if restore is None:
            finished = done.acquire(timeout=-1 if limit is None else limit)
        else:
            start = time.monotonic()
            shared = SHARED_SECONDS if limit is None else min(SHARED_SECONDS, limit)
            finished = done.acquire(timeout=shared)
            if not finished:  # a longer query: both threads may run anywhere again
                _CPUS.set(worker.thread_id, restore)
                _CPUS.set(0, restore)
                restore = None
                left = -1 if limit is None else max(0.0, limit - (time.monotonic() - start))
                finished = done.acquire(timeout=left)
    except BaseException:  # KeyboardInterrupt (Ctrl-C) or SystemExit (SIGTERM handlers)
        stop.set()
        if restore is not None:  # a step left running in the background may move too
            _CPUS.set(worker.thread_id, restore)
        raise
    finally:
        if restore is not None:
            _CPUS.set(0, restore)
    if not finished:
        stop.set()
        log.debug("time limit of %s s reached; the worker was told to stop", timeout)
        raise on_timeout()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


class _Worker:
    """A worker thread, kept for the next query when it is done: a new thread per query cost
    more than a millisecond query itself (starting it, and its memory allocator's caches
    starting cold). A worker still busy with a query that was given up is not given another
    until it finishes."""

    _idle: list[_Worker] = []
    _lock = threading.Lock()
    #: Idle workers kept, at most; more end.
    KEEP = 2

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        with _stack_lock:
            previous = threading.stack_size(WORKER_STACK_BYTES)
            try:
                thread = threading.Thread(target=self._serve, name=IDLE, daemon=True)
                thread.start()
            finally:
                threading.stack_size(previous)
        self.thread_id = thread.native_id

    @classmethod
    def take(cls) -> _Worker:
        with cls._lock:
            if cls._idle:
                return cls._idle.pop()
        return cls()

    def give(self, job: Callable[[], None], done: threading.Lock, cpus: set[int] | None) -> None:
        """Run ``job`` and release ``done``; after ``job``, let this thread run on ``cpus``
        again (None: its CPUs were not changed)."""
        self._jobs.put((job, done, cpus))

    def _serve(self) -> None:
        me = threading.current_thread()
        while True:
            job, done, cpus = self._jobs.get()
            me.name = BUSY
            job()
            del job
            if cpus is not None:  # before it can be given the next query
                _CPUS.set(0, cpus)
            me.name = IDLE
            with self._lock:
                keep = len(self._idle) < self.KEEP
                if keep:
                    self._idle.append(self)
            done.release()  # after the worker is idle again: the next query finds it
            if not keep:
                return


class _Cpus:
    """The CPU a thread runs on, and the CPUs it may run on: Linux only (elsewhere, nothing
    is known and nothing is set)."""

    def __init__(self) -> None:
        self.current: Callable[[], int] | None = None
        if not hasattr(os, "sched_setaffinity"):
            return
        try:
            import ctypes

            current = ctypes.CDLL(None, use_errno=True).sched_getcpu
        except (OSError, AttributeError):  # not glibc or musl
            return
        current.restype, current.argtypes = ctypes.c_int, []
        self.current = current

    @staticmethod
    def allowed() -> set[int] | None:
        try:
            return os.sched_getaffinity(0)
        except (AttributeError, OSError):
            return None

    @staticmethod
    def set(thread_id: int, cpus: set[int] | None) -> bool:
        if cpus is None:
            return False
        try:
            os.sched_setaffinity(thread_id, cpus)
        except OSError:  # a CPU outside the thread's cpuset, or the thread is gone
            return False
        return True


_CPUS = _Cpus()


def _share_cpu(worker: _Worker) -> set[int] | None:
    """Keep the calling thread on the CPU it is on, and ``worker`` there too; the CPUs the
    caller may run on, to give back to both, or None when nothing was changed (not Linux, or
    the CPU could not be chosen).

    Waking a thread that sleeps on another CPU costs about 40 microseconds on a virtual
    machine, against a few on the same CPU, and Linux wakes each thread where the other is
    not: a short query paid that twice, more than the query itself (docs/benchmarks.md).
    The caller only sleeps while the worker runs, so the two share the CPU without slowing
    each other. After :data:`SHARED_SECONDS` both may run anywhere again: a long query is not
    tied to one CPU that other work may need.
    """
    if _CPUS.current is None or worker.thread_id is None:
        return None
    cpu = _CPUS.current()
    mine = _CPUS.allowed()
    if cpu < 0 or mine is None or cpu not in mine or not _CPUS.set(0, {cpu}):
        return None
    if not _CPUS.set(worker.thread_id, {cpu}):
        _CPUS.set(0, mine)
        return None
    return mine


def _forget_workers() -> None:
    """In a child made by ``fork``: the parent's workers' threads are not there, and a lock
    another thread of the parent held at the fork would never be released."""
    global _stack_lock
    _Worker._idle = []
    _Worker._lock = threading.Lock()
    _stack_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_workers)


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
