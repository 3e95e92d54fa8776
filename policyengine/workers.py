"""Parallel work: how many worker processes a run gets, and every pool that runs them.

The worker count is asked for (`--workers N`: 0 automatic, 1 in process) and decided
here once: automatic is the CPUs this process may run on, never more than
`MAX_WORKERS`, and never more than one worker per minimum batch (`FILES_PER_WORKER`,
`INPUTS_PER_WORKER`, `DOCUMENTS_PER_WORKER`), so a small run stays in one process.

Three kinds of pool, for three kinds of work:

- `SpawnPool`: spawned processes (safe beside threads, on every platform), each set up
  once (policies compiled, catalogs read) and then given chunks of work; the pipeline's
  end-to-end runs and the embedded engine's batches.
- `fork_map`: forked processes that inherit the items (only indices and answers cross);
  schema and reference checks of many loaded documents, on Linux.
- `thread_map`: threads, for tasks that each run a child process of their own (the Rego
  unit tests).

Answers a run keeps (a check's reports) cross as `pack`'s bytes, read by one `Unpacker`
for the run: equal strings of all the answers are then one object in the main process.

A worker that fails or dies fails the whole call: never a partial result (except for
`SpawnPool.map_settled`, which says which chunks a dead worker left unfinished). A run that is
interrupted (Ctrl-C, or SIGTERM, which `cli.main` turns into an interrupt) kills its workers
instead of waiting for them: `terminate_all`, and every pool left by an interrupt.
"""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import os
import pickle
import signal
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .errors import PolicyEngineError, UsageError, WorkerError

if TYPE_CHECKING:
    from concurrent.futures import Future

# NOTE: multiprocessing and concurrent.futures are imported where a pool starts: a run that
# stays in one process (a pull-request check) does not pay for them (~8 ms).

logger = logging.getLogger(__name__)

MAX_WORKERS = 8
"""At most this many worker processes (~60-100 MB each), whatever the CPU count."""
FILES_PER_WORKER = 16
"""Model files a worker takes end to end (`check`, `validate`, `status`, `remind`) for
it to pay for its start: up to this many files a run stays in one process."""
INPUTS_PER_WORKER = 8
"""Policy inputs an embedded engine worker evaluates for it to pay for its start."""
DOCUMENTS_PER_WORKER = 80
"""Loaded documents a forked worker checks against the schema and references for it to
pay for the fork (measured: ~70, a model taking ~1.2 ms)."""

_S = TypeVar("_S")
_T = TypeVar("_T")
_R = TypeVar("_R")
_K = TypeVar("_K")

_FAILURES = (
    pickle.PicklingError,
    TypeError,
    AttributeError,
    ValueError,
    KeyError,
    IndexError,
    RuntimeError,
    OSError,
    MemoryError,
)
"""What a task that does not reach its worker (an input that does not pickle), or a bug
in a worker, raises through its future."""


def cpus() -> int:
    """The CPUs this process may run on (its affinity, where the OS says), at most
    `MAX_WORKERS`: a container often reports every CPU of its host."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        count = os.cpu_count() or 1
    return max(1, min(count, MAX_WORKERS))


def processes(requested: int, *, available: int = 0) -> int:
    """The most worker processes `requested` (`--workers`) allows: 0 automatic
    (`available` CPUs, by default `cpus()`), 1 in process, N at most N; never more than
    `MAX_WORKERS`. Raises `UsageError` when `requested` is negative."""
    if requested < 0:
        raise UsageError(f"--workers must be 0 (automatic) or more (got {requested})")
    return max(1, min(requested or available or cpus(), MAX_WORKERS))


def worker_count(requested: int, items: int, per_worker: int, *, available: int = 0) -> int:
    """Worker processes for `items` pieces of work, 1 meaning in process: as many as
    `requested` allows (`processes`), but no more than one per `per_worker` items, so
    that a run of at most `per_worker` items stays in one process. Raises `UsageError`
    when `requested` is negative."""
    return max(1, min(processes(requested, available=available), -(-items // per_worker)))


# --- answers kept: their strings shared ---------------------------------------------------


class _StringsPickler(pickle.Pickler):
    """Pickles each `str` as a persistent id (the string itself): `Unpacker` gives it back
    as the one object of that value it holds."""

    def persistent_id(self, obj: object) -> object:
        return obj if type(obj) is str else None


def pack(value: object) -> bytes:
    """`value` pickled for an `Unpacker` in the main process."""
    buffer = io.BytesIO()
    _StringsPickler(buffer, pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


class _StringsUnpickler(pickle.Unpickler):
    """Reads `_StringsPickler`'s bytes, each string the one of its value in `strings`."""

    def __init__(self, data: bytes, strings: dict[str, str]) -> None:
        super().__init__(io.BytesIO(data))
        self._strings = strings

    def persistent_load(self, pid: Any) -> Any:
        if type(pid) is not str:
            raise pickle.UnpicklingError("a persistent id that is no string")
        return self._strings.setdefault(pid, pid)


class Unpacker:
    """Reads `pack`'s bytes; all it reads has one string object per value. A check's
    reports repeat their strings (statuses, pointers, control ids, evidence paths, check
    ids) in every model: 1,000 models of the bench repository bring ~490,000 string
    objects of ~5,000 values, 36 of the main process's ~150 MB."""

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}

    def load(self, data: bytes) -> Any:
        """The value `pack` made `data` of."""
        return _StringsUnpickler(data, self._strings).load()


# --- spawned processes, set up once --------------------------------------------------------

_state: Any = None
"""In a spawned worker: what its setup returned, or the `PolicyEngineError` it raised."""
_set_up = False
"""In a spawned worker: whether its setup ran."""


def _start(setup: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """Pool initializer: the worker's state made once. A `PolicyEngineError` (a policy
    that does not compile) is kept and raised by every task, so that the caller sees it
    instead of a broken pool."""
    global _state, _set_up
    try:
        _state = setup(*args)
    except PolicyEngineError as exc:
        _state = exc
    _set_up = True


def _run(task: Callable[[Any, Any], _R], chunk: Any) -> _R:
    """In a spawned worker: `task(state, chunk)`."""
    if not _set_up:
        raise RuntimeError("a worker process was not set up (a bug)")
    if isinstance(_state, PolicyEngineError):
        raise _state
    return task(_state, chunk)


class SpawnPool(Generic[_S]):
    """`workers` spawned processes, each set up once with `setup(*args)` (its state:
    compiled policies, catalogs); `map` hands them chunks of work. Module-level functions
    only (they cross by name). `close` stops them; the pool is a context manager."""

    def __init__(
        self,
        workers: int,
        setup: Callable[..., _S],
        args: tuple[Any, ...],
        *,
        what: str,
        error: type[PolicyEngineError] = WorkerError,
    ) -> None:
        self.workers = workers
        """How many processes."""
        self.error = error
        """What `map` raises when a worker dies or cannot take its work: `WorkerError`,
        or the error of the component the pool stands for (`EngineError` for an engine)."""
        self.broken = False
        """A worker died: the pool takes no more work."""
        self._what = what
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(setup, args),
        )
        _live.add(self)
        logger.debug("%s: started %d worker processes", what, workers)

    def start(self) -> None:
        """Start every worker now (they set up while the caller prepares the work)."""
        for _ in range(self.workers):
            self._pool.submit(int)

    def map(
        self,
        task: Callable[[_S, _T], _R],
        chunks: Iterable[_T],
        done: Callable[[_R], None] | None = None,
    ) -> list[_R]:
        """`task(state, chunk)` for each chunk, in the workers; the answers in order.

        Chunks are sent as `chunks` yields them, so the workers start on the first while
        the next is made. `done`, when given, is called with each answer, in order, as it
        is collected (a progress display). The cyclic garbage collector is paused while
        the answers arrive (they are kept, and each of its passes would scan them all).
        Raises what a task raised when it is a
        `PolicyEngineError`, and `self.error` when a worker died or a chunk could not
        reach it; the other tasks are cancelled, and nothing is returned.
        """
        from concurrent.futures.process import BrokenProcessPool

        futures: list[Future[_R]] = []
        with self._answers(futures):
            try:
                futures.extend(self._pool.submit(_run, task, chunk) for chunk in chunks)
                answers = []
                for future in futures:
                    answers.append(future.result())
                    if done is not None:
                        done(answers[-1])
                return answers
            except BrokenProcessPool as exc:
                self.broken = True
                raise self.error(
                    f"{self._what}: a worker process died ({exc}); no results were kept. Run "
                    "again with --workers 1 to find the model that crashes it"
                ) from None

    def map_settled(
        self,
        task: Callable[[_S, _T], _R],
        chunks: Iterable[_T],
        read: Callable[[_R], _K],
    ) -> tuple[list[_T], list[_K | None]]:
        """`map`, except that a worker that dies fails only the chunks not finished when
        it died: the chunks sent and what `read` made of each one's answer (called in
        order, as each arrives), None for each chunk a dead worker left unfinished (the
        pool is then `broken` and takes no more work; the caller decides what to do with
        those chunks). Only what `read` returns is kept: an answer `pack`ed for the main
        process is read as it arrives, and its bytes freed. Raises as `map` does
        otherwise."""
        from concurrent.futures.process import BrokenProcessPool

        sent: list[_T] = []
        futures: list[Future[_R] | None] = []
        kept: list[_K | None] = []
        with self._answers(futures):
            for chunk in chunks:
                sent.append(chunk)
                try:
                    futures.append(None if self.broken else self._pool.submit(_run, task, chunk))
                except BrokenProcessPool:
                    self.broken = True
                    futures.append(None)
            for i, future in enumerate(futures):
                futures[i] = None  # the future holds its answer
                try:
                    answer = future.result() if future is not None else None
                except BrokenProcessPool:
                    self.broken = True
                    answer = None
                kept.append(None if answer is None else read(answer))
        return sent, kept

    @contextlib.contextmanager
    def _answers(self, futures: Sequence[Future[Any] | None]) -> Iterator[None]:
        """While the answers of `futures` arrive: the cyclic garbage collector paused, a
        failure that is not the task's own `PolicyEngineError` raised as `self.error`, and
        the futures not collected cancelled on the way out.

        The answers are kept until the caller is done with them: while they arrive, each
        full pass of the collector would scan all of those come so far (quadratic: ~2.5 of
        the main process's ~5 s of CPU for a check of 1,000 models, ~850,000 objects).
        NOTE: not `gc.freeze` afterwards: it would keep the garbage cycles of that moment
        for good, and an engine left to the collector then keeps its workers."""
        collecting = gc.isenabled()
        gc.disable()
        try:
            yield
        except PolicyEngineError:
            raise
        except _FAILURES as exc:
            raise self.error(
                f"{self._what}: a worker failed ({type(exc).__name__}: {exc}); no results were kept"
            ) from None
        finally:
            for future in futures:
                if future is not None:
                    future.cancel()
            if collecting:
                gc.enable()

    def close(self) -> None:
        """Stop the workers (after the work they have started)."""
        _live.discard(self)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def terminate(self) -> None:
        """Kill the workers now, whatever they are doing, and wait until they are gone."""
        _live.discard(self)
        # NOTE: ProcessPoolExecutor has no public way to kill its workers before Python
        # 3.14 (`terminate_workers`); its `_processes` maps pid -> Process.
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        for process in processes:
            if process.is_alive():
                process.terminate()
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()

    def __enter__(self) -> SpawnPool[_S]:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is not None and not issubclass(exc_type, Exception):
            self.terminate()  # interrupted: the workers' work is no longer wanted
        else:
            self.close()


_live: weakref.WeakSet[SpawnPool[Any]] = weakref.WeakSet()
"""The spawn pools not closed yet (for `terminate_all`)."""


def terminate_all() -> None:
    """Kill the workers of every spawn pool still open (an interrupted run)."""
    for pool in list(_live):
        pool.terminate()


def _default_sigterm() -> None:
    """In a forked worker: SIGTERM ends the process again (the parent's handler, which
    turns it into an interrupt, is not inherited), so that terminating the pool works."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


# --- forked processes that inherit the work ---------------------------------------------

_forked: tuple[Callable[[Any], Any], Sequence[Any]] | None = None
"""The task and items of the running `fork_map`, set before forking so that the workers
inherit them."""


def _forked_at(index: int) -> Any:
    """In a forked worker: the inherited task on the item at `index`."""
    if _forked is None:
        raise RuntimeError("a forked worker has nothing to work on (a bug)")
    task, items = _forked
    return task(items[index])


def fork_map(task: Callable[[_T], _R], items: Sequence[_T], workers: int) -> list[_R]:
    """`task` on each item, in order: in `workers` forked processes that inherit `task`
    and `items` (any function, even a closure; only indices and answers cross), else in
    process. Forks only on Linux (fork is unsafe on macOS, absent on Windows) and with no
    other thread running (forking beside a live thread can deadlock); a pool that cannot
    start falls back to this process: the answers are the same either way."""
    parallel = workers > 1 and sys.platform.startswith("linux") and threading.active_count() == 1
    if parallel:
        global _forked
        import multiprocessing

        _forked = (task, items)
        try:
            with multiprocessing.get_context("fork").Pool(
                workers, initializer=_default_sigterm
            ) as pool:
                logger.debug("%d documents: forked %d worker processes", len(items), workers)
                return pool.map(_forked_at, range(len(items)), chunksize=4)
        except (OSError, multiprocessing.ProcessError, pickle.PicklingError):
            pass  # done in process below
        finally:
            _forked = None
    return [task(item) for item in items]


# --- threads that each run a child process ----------------------------------------------


def thread_map(task: Callable[[_T], _R], items: Sequence[_T], workers: int) -> list[_R]:
    """`task` on each item, in order, `workers` at a time on threads: for tasks that
    each run a child process of their own; one at a time when `workers` is 1."""
    if workers <= 1:
        return [task(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(task, items))


class Watchdog:
    """A daemon thread that calls `fire` once `seconds` have passed, then every `interval`
    seconds until `stop()`: the OPA engine's total deadline per request (it shuts the
    request's sockets, and those of any retry, so a server that trickles cannot hold it).
    """

    def __init__(self, seconds: float, fire: Callable[[], None], interval: float = 0.05) -> None:
        self._done = threading.Event()
        self._expired = threading.Event()
        self._thread = threading.Thread(
            target=self._watch, args=(seconds, fire, interval), daemon=True
        )
        self._thread.start()

    def _watch(self, seconds: float, fire: Callable[[], None], interval: float) -> None:
        if self._done.wait(seconds):
            return
        self._expired.set()
        while not self._done.is_set():
            fire()
            self._done.wait(interval)

    @property
    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self._expired.is_set()

    def stop(self) -> bool:
        """Stop watching; returns whether the deadline had passed."""
        self._done.set()
        return self._expired.is_set()


class Ticker:
    """A daemon thread that calls `task` every `interval` seconds until `stop()`: a wasm
    module's epoch while it evaluates, a worker's watch on its own budget."""

    def __init__(self, interval: float, task: Callable[[], None]) -> None:
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._tick, args=(interval, task), daemon=True)
        self._thread.start()

    def _tick(self, interval: float, task: Callable[[], None]) -> None:
        while not self._done.wait(interval):
            task()

    def stop(self) -> None:
        """Stop ticking, and wait until the thread is gone."""
        self._done.set()
        self._thread.join()
