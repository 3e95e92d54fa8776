"""The wasm engine: the policy set compiled by OPA into WebAssembly, run with wasmtime.

The bundled policy set ships compiled (`policyengine/data/policies.wasm`, built by
`scripts/build_wasm.py` with OPA v1.22.3; `policies.wasm.json` beside it records the
policy digest it was built from). Any other set (a team's checks beside the bundled ones)
is compiled with `opa build -t wasm` when an `opa` binary is found (`$POLICYENGINE_OPA`,
else `opa` on PATH) and the result kept in `cache.programs_folder()` by the policy
digest; without `opa` the set cannot run here (`WasmUnavailable`), and the `auto`
engine runs it on regopy instead.

The host follows the OPA Wasm ABI through wasmtime's public API: the module imports its
memory and `opa_abort`/`opa_builtin0..4`; data (`{}`) is parsed once, the heap pointer is
noted after it, and each evaluation writes the input JSON there and makes one `opa_eval`
call with the heap starting after the input, so every evaluation reuses the same memory
(it grows to the largest input's needs, never beyond). A module that calls a host
built-in is refused with the built-in's name: none is provided. An `opa_abort` (a
conflict inside the module, such as a complete rule with two values) is an `EngineError`.

wasmtime is imported only when a module is instantiated; the compiled machine code is
kept in `cache.programs_folder()` (`Module.serialize`, keyed by the module's sha256 and
the wasmtime version, a sha256 beside it) so a later run does not compile it (~0.15 s).

Every evaluation keeps to a `budget.Budget`: the module's memory may not grow beyond
`memory_mb` (an `opa_malloc` that fails is `BudgetExceeded`). A module other than the
shipped one (a team's checks: untrusted code) is also compiled with wasmtime's epoch
interruption and stopped once an evaluation has run for `seconds` (wall time): a thread
ticks the epoch every `_TICK` seconds while `WasmEngine.evaluate` runs, and only then (a
live thread would keep `workers.fork_map` from forking). The shipped module, the tool's
own code, runs without the epoch checks, which cost ~15% of its time.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import logging
import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..budget import DEFAULT_BUDGET, Budget
from ..cache import installed_version, programs_folder
from ..errors import BudgetExceeded, EngineError, PolicyError
from ..policyset import AGGREGATOR_MODULE, AGGREGATOR_PACKAGE, PolicySet
from ..workers import Ticker
from . import Engine, EngineOutput, json_problem, model_named, orjson_differs

__all__ = [
    "ENTRYPOINT",
    "SHIPPED_MODULE",
    "AutoEngine",
    "WasmEngine",
    "WasmHost",
    "WasmUnavailable",
    "build_module",
    "find_opa",
    "module_for",
]

logger = logging.getLogger(__name__)

ENTRYPOINT = f"{AGGREGATOR_PACKAGE.replace('.', '/')}/result"
"""The one entry point compiled: the aggregator's `result`."""
SHIPPED_MODULE = Path(__file__).resolve().parent.parent / "data" / "policies.wasm"
"""The bundled policy set, compiled; `policies.wasm.json` beside it says from what."""
_BUILD_TIMEOUT = 120.0
"""Seconds `opa build` may take for a team's policy set."""
_FORMAT = "1"
"""Part of every cache key: bump it when what a cached file holds changes."""
_TICK = 0.1
"""Seconds between two epochs of a module run with a time budget."""
_PAGE = 65536
"""Bytes in a WebAssembly memory page."""


class WasmUnavailable(PolicyError):
    """The policy set has no WebAssembly module here: it is not the bundled set and no
    `opa` binary was found to compile it, or it needs a host built-in."""


def find_opa() -> str | None:
    """The `opa` binary to compile with: `$POLICYENGINE_OPA`, else `opa` on PATH, or None."""
    chosen = os.environ.get("POLICYENGINE_OPA")
    if chosen:
        return chosen if Path(chosen).is_file() else None
    return shutil.which("opa")


def build_module(
    policy_set: PolicySet,
    opa: str,
    *,
    extra: Mapping[str, str] | None = None,
    entrypoints: Sequence[str] = (ENTRYPOINT,),
) -> bytes:
    """The WebAssembly module `opa build -t wasm` makes of `policy_set` (its modules and
    the aggregator over every package; `extra` modules too, name to source) with the
    `entrypoints` given (rule paths, `a/b/rule`).

    Raises `PolicyError` when OPA refuses the policies (its message, with our file
    names) or cannot be run.
    """
    import tarfile

    with tempfile.TemporaryDirectory(prefix="policyengine-wasm-") as tmp:
        src = Path(tmp) / "src"
        sources = {
            **policy_set.modules,
            AGGREGATOR_MODULE: policy_set.aggregator(),
            **(extra or {}),
        }
        for name, text in sources.items():
            path = src / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        out = Path(tmp) / "bundle.tar.gz"
        try:
            proc = subprocess.run(
                # Relative paths: the module records file names, so the same sources give
                # the same bytes wherever they are built.
                [opa, "build", "-t", "wasm", *(f"-e={e}" for e in entrypoints)]
                + ["-o", "bundle.tar.gz", "src"],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=_BUILD_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PolicyError(
                f"cannot compile the policies to WebAssembly with {opa}: {exc}"
            ) from exc
        if proc.returncode != 0:
            text = proc.stderr.replace("src" + os.sep, "").strip()
            for name, file in policy_set.files.items():
                text = text.replace(name, file)
            raise PolicyError(f"policies do not compile to WebAssembly: {text[:2000]}")
        try:
            with tarfile.open(out) as bundle:
                member = bundle.extractfile("/policy.wasm")
                if member is None:
                    raise KeyError("/policy.wasm")
                return member.read()
        except (OSError, KeyError, tarfile.TarError) as exc:
            raise PolicyError(f"opa build gave no WebAssembly module: {exc}") from exc


@dataclass(frozen=True)
class ShippedInfo:
    """What `policies.wasm.json` records of the shipped module."""

    policy_digest: str
    """`PolicySet.digest` of the bundled set the module was built from."""
    sha256: str
    """sha256 (hex) of the module file."""
    opa_version: str
    """The OPA version that built it."""


def shipped_info(path: Path = SHIPPED_MODULE) -> ShippedInfo | None:
    """The record beside the shipped module, or None when either is missing or unreadable."""
    try:
        doc = json.loads(path.with_suffix(".wasm.json").read_text(encoding="utf-8"))
        return ShippedInfo(doc["policy_digest"], doc["sha256"], doc["opa_version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def module_for(policy_set: PolicySet, *, compile_with: str | None = None) -> bytes:
    """The WebAssembly module of `policy_set`.

    The shipped module when the set is the bundled one (by digest); else a module built
    earlier and kept in the cache; else one built now with `compile_with` (default
    `find_opa()`) and kept. Raises `WasmUnavailable` when there is no `opa` to build
    with, `PolicyError` when OPA refuses the policies.
    """
    info = shipped_info()
    if info is not None and info.policy_digest == policy_set.digest:
        data = _read(SHIPPED_MODULE)
        if data is not None and hashlib.sha256(data).hexdigest() == info.sha256:
            return data
    folder = programs_folder()
    key = hashlib.sha256(f"{_FORMAT}\0wasm\0{policy_set.digest}".encode()).hexdigest()
    if folder is not None:
        cached = _read_checked(folder, key, ".wasm")
        if cached is not None:
            return cached
    opa = compile_with or find_opa()
    if opa is None:
        raise WasmUnavailable(
            "the wasm engine runs the bundled policies as shipped; a policy set with other "
            "policies (the config's `policies`, --policy) is compiled with `opa`, which was "
            "not found (set POLICYENGINE_OPA or put opa on PATH, or use --engine embedded)"
        )
    data = build_module(policy_set, opa)
    if folder is not None:
        _write_checked(folder, key, ".wasm", data)
    return data


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _read_checked(folder: Path, key: str, suffix: str) -> bytes | None:
    """A cached file whose sha256 matches the one written beside it, or None."""
    data = _read(folder / f"{key}{suffix}")
    sums = _read(folder / f"{key}{suffix}.sha256")
    if data is None or sums is None:
        return None
    if hashlib.sha256(data).hexdigest() != sums.decode("ascii", "replace").strip():
        return None
    return data


def _write_checked(folder: Path, key: str, suffix: str, data: bytes) -> None:
    """Keep `data` with its sha256 beside it, each written whole (or not at all)."""
    pid = os.getpid()
    parts = [folder / f".{key}{suffix}.{pid}.part", folder / f".{key}{suffix}.sha256.{pid}.part"]
    try:
        parts[0].write_bytes(data)
        parts[1].write_text(hashlib.sha256(data).hexdigest() + "\n", encoding="ascii")
        os.replace(parts[0], folder / f"{key}{suffix}")
        os.replace(parts[1], folder / f"{key}{suffix}.sha256")
    except OSError:
        for part in parts:
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)


def _wasmtime_version() -> str:
    return installed_version("wasmtime") or "unknown"


class _Aborted(Exception):
    """Raised inside a host function to stop the module (wasmtime turns it into a trap)."""


class WasmHost:
    """One instance of a module, evaluating inputs one `opa_eval` call at a time.

    `builtins` are host built-ins by name, each a function of JSON values to a JSON value
    (the engine gives none; the differential test of the Rego tests, which use a few in
    their fixtures, does). The module's memory stays within `budget.memory_mb`; with
    `timed`, its code checks wasmtime's epoch, and an evaluation is stopped
    `budget.seconds` after it starts, counted in ticks of `tick()`. Raises
    `WasmUnavailable` when the module calls a host built-in not given, `EngineError`
    when it does not load or lacks `entrypoint`.
    """

    def __init__(
        self,
        module_bytes: bytes,
        entrypoint: str = ENTRYPOINT,
        builtins: Mapping[str, Callable[..., Any]] | None = None,
        *,
        budget: Budget = DEFAULT_BUDGET,
        timed: bool = False,
    ) -> None:
        import wasmtime

        self._wasmtime = wasmtime
        self.budget = budget
        """The memory (and, `timed`, the time) one evaluation may take."""
        self.timed = timed
        """Whether evaluations are stopped after `budget.seconds`."""
        config = wasmtime.Config()
        config.epoch_interruption = timed
        self.engine = wasmtime.Engine(config)
        self._size = len(module_bytes)
        self.module = self._compiled(module_bytes)
        self._abort: str | None = None
        self._given = dict(builtins or {})
        self._builtins: dict[int, Callable[..., Any]] = {}
        self._instantiate()
        wanted = self._dump(self._exports["builtins"](self.store))
        missing = sorted(set(wanted) - set(self._given))
        if missing:
            names = ", ".join(missing)
            raise WasmUnavailable(
                f"the policies call the built-in {names}, which the wasm engine does not "
                "provide: use --engine embedded or opa"
            )
        entrypoints = self._dump(self._exports["entrypoints"](self.store))
        if not isinstance(entrypoints, dict) or entrypoint not in entrypoints:
            raise EngineError(f"the WebAssembly module has no entry point {entrypoint}")
        self._builtins = {number: self._given[name] for name, number in wanted.items()}
        self.entrypoints: Mapping[str, int] = entrypoints
        """Entry point (rule path) to its id in the module."""
        self.entrypoint: int = entrypoints[entrypoint]
        """The id of the entry point `evaluate` uses by default."""

    def _compiled(self, module_bytes: bytes) -> Any:
        wasmtime = self._wasmtime
        folder = programs_folder()
        key = hashlib.sha256(
            f"{_FORMAT}\0cwasm\0{_wasmtime_version()}\0{self.timed}\0".encode() + module_bytes
        ).hexdigest()
        if folder is not None:
            saved = _read_checked(folder, key, ".cwasm")
            if saved is not None:
                with contextlib.suppress(wasmtime.WasmtimeError):
                    return wasmtime.Module.deserialize(self.engine, saved)
        try:
            module = wasmtime.Module(self.engine, module_bytes)
        except wasmtime.WasmtimeError as exc:
            raise EngineError(f"the WebAssembly module does not load: {exc}") from exc
        if folder is not None:
            _write_checked(folder, key, ".cwasm", module.serialize())
        return module

    def _instantiate(self) -> None:
        wasmtime = self._wasmtime
        self.store = wasmtime.Store(self.engine)
        self._deadline()
        declared = next(i.type for i in self.module.imports if i.name == "memory")
        # NOTE: OPA's modules declare 2 pages but place their data segments beyond them
        # (OPA's own SDKs start with 5): room for every data segment, which the module's
        # size bounds.
        pages = declared.limits.min + (self._size + _PAGE - 1) // _PAGE + 1
        most = self.budget.memory_mb * (2**20 // _PAGE)
        if declared.limits.max is not None:
            most = min(most, declared.limits.max)
        self.memory = wasmtime.Memory(
            self.store, wasmtime.MemoryType(wasmtime.Limits(min(pages, most), most))
        )
        i32 = wasmtime.ValType.i32()

        def abort(caller: Any, addr: int) -> None:
            self._abort = self._string(addr)
            raise _Aborted(self._abort)

        def builtin(caller: Any, builtin_id: int, ctx: int, *args: int) -> int:
            function = self._builtins.get(builtin_id)
            if function is None:
                raise _Aborted(f"a host built-in (id {builtin_id}) was called")
            try:
                value = function(*(self._dump(a) for a in args))
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                raise _Aborted(f"built-in failed: {exc}") from exc
            data = json.dumps(value, ensure_ascii=False).encode("utf-8")
            return self._load_json(data)

        linker = wasmtime.Linker(self.engine)
        linker.define(self.store, "env", "memory", self.memory)
        linker.define_func(
            "env", "opa_abort", wasmtime.FuncType([i32], []), abort, access_caller=True
        )
        for n in range(5):
            linker.define_func(
                "env",
                f"opa_builtin{n}",
                wasmtime.FuncType([i32] * (n + 2), [i32]),
                builtin,
                access_caller=True,
            )
        instance = linker.instantiate(self.store, self.module)
        exports = instance.exports(self.store)
        self._exports = {
            name: exports[name]
            for name in ("builtins", "entrypoints", "opa_eval", "opa_heap_ptr_get", "opa_malloc")
        }
        self._exports["opa_json_parse"] = exports["opa_json_parse"]
        self._exports["opa_json_dump"] = exports["opa_json_dump"]
        self.data_addr = self._load_json(b"{}")
        self.base_heap: int = self._exports["opa_heap_ptr_get"](self.store)

    def _string(self, addr: int) -> str:
        """The NUL-terminated UTF-8 text at `addr` in the module's memory."""
        base = ctypes.addressof(self.memory.data_ptr(self.store).contents)
        size = self.memory.data_len(self.store)
        if not 0 <= addr < size:
            raise EngineError(f"the WebAssembly module gave an address out of its memory: {addr}")
        return ctypes.string_at(base + addr).decode("utf-8", "replace")

    def _load_json(self, data: bytes) -> int:
        addr: int = self._exports["opa_malloc"](self.store, len(data))
        self.memory.write(self.store, data, addr)
        parsed: int = self._exports["opa_json_parse"](self.store, addr, len(data))
        if parsed == 0:
            raise EngineError("the WebAssembly module could not parse its data")
        return parsed

    def _dump(self, value_addr: int) -> Any:
        return json.loads(self._string(self._exports["opa_json_dump"](self.store, value_addr)))

    def _deadline(self) -> None:
        """Give the next evaluation `budget.seconds` from now (`timed` only)."""
        if self.timed:
            self.store.set_epoch_deadline(max(1, math.ceil(self.budget.seconds / _TICK)))

    def tick(self) -> None:
        """One epoch has passed (`_TICK` seconds): called by `WasmEngine`'s ticker."""
        self.engine.increment_epoch()

    def memory_bytes(self) -> int:
        """The size of the module's memory now, in bytes."""
        size: int = self.memory.data_len(self.store)
        return size

    def evaluate(self, text: bytes, entrypoint: int | None = None) -> Any:
        """The answer (a list of `{"result": ...}`, [] when undefined) of `entrypoint`
        (default: the one given at creation) for one input, given as JSON text; raises
        `EngineError` when the module aborts or traps."""
        wasmtime = self._wasmtime
        end = self.base_heap + len(text)
        # The input goes at the heap's base, the evaluation's heap right after it: the same
        # memory on every call, so nothing accumulates between evaluations.
        missing = end + _PAGE - self.memory.data_len(self.store)
        if missing > 0:
            try:
                self.memory.grow(self.store, (missing + _PAGE - 1) // _PAGE)
            except wasmtime.WasmtimeError:
                raise BudgetExceeded(
                    f"need more than their memory budget of {self.budget.memory_mb:,} MB "
                    f"for the input alone ({len(text):,} bytes)"
                ) from None
        self.memory.write(self.store, text, self.base_heap)
        self._abort = None
        self._deadline()
        try:
            addr = self._exports["opa_eval"](
                self.store,
                0,
                self.entrypoint if entrypoint is None else entrypoint,
                self.data_addr,
                self.base_heap,
                len(text),
                end,
                0,
            )
        except (wasmtime.WasmtimeError, wasmtime.Trap, _Aborted) as exc:
            why = self._abort or str(exc).splitlines()[0]
            interrupted = (
                isinstance(exc, wasmtime.Trap) and exc.trap_code == wasmtime.TrapCode.INTERRUPT
            )
            self._instantiate()  # a trapped instance is not used again
            if interrupted:
                raise BudgetExceeded(
                    f"took more than their time budget of {self.budget.seconds:g} s"
                ) from None
            if why.startswith("opa_malloc"):
                raise BudgetExceeded(
                    f"used more than their memory budget of {self.budget.memory_mb:,} MB"
                ) from None
            raise EngineError(f"the wasm engine failed: {why}") from None
        return json.loads(self._string(addr))


def _input_text(value: Mapping[str, Any]) -> bytes:
    """The input as compact JSON in UTF-8: `json.dumps`'s bytes (written by orjson, ~10x
    faster, where they are the same, `orjson_differs`); raises `EngineError` for a value
    that is not JSON (NaN, an infinity, a lone surrogate), saying where."""
    try:
        text = orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: see `orjson_differs`
        pass
    else:
        if not orjson_differs(text):
            return text
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(
            "utf-8"
        )
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError):
        problem = json_problem(value) or "a value that is not JSON"
        raise EngineError(f"the wasm engine cannot read the policy input: {problem}") from None


def _is_shipped(module: bytes) -> bool:
    """Whether `module` is the shipped module (the bundled policies: the tool's own code)."""
    info = shipped_info()
    return info is not None and hashlib.sha256(module).hexdigest() == info.sha256


@contextlib.contextmanager
def _ticking(host: WasmHost) -> Iterator[None]:
    """While the block runs, a thread ticks `host`'s epoch every `_TICK` seconds (a
    `timed` host only)."""
    if not host.timed:
        yield
        return
    ticker = Ticker(_TICK, host.tick)
    try:
        yield
    finally:
        ticker.stop()


def _named(message: str, policy_set: PolicySet) -> str:
    """`message` with the module names the build gave the sources (`src/<name>`) replaced
    by the files they were read from, as the user knows them."""
    for name, file in policy_set.files.items():
        message = message.replace(f"src/{name}", file)
    return message


class WasmEngine(Engine):
    """The policy set as OPA WebAssembly in process (see the module docstring).

    Raises `WasmUnavailable` (a `PolicyError`) from `evaluate` or `prepare` when the set
    has no module here, `BudgetExceeded` when a model's evaluation goes over `budget`.
    """

    def __init__(self, *, budget: Budget = DEFAULT_BUDGET) -> None:
        self.budget = budget
        """What one model's evaluation may take."""
        self._hosts: dict[str, WasmHost] = {}

    def runs_in_process(self, policy_set: PolicySet) -> str | None:
        """`wasm`: the module runs in this process."""
        return "wasm"

    def prepare(self, policy_set: PolicySet) -> WasmHost:
        """Load (or compile) `policy_set`'s module and instantiate it, once."""
        host = self._hosts.get(policy_set.digest)
        if host is None:
            module = module_for(policy_set)
            host = WasmHost(module, budget=self.budget, timed=not _is_shipped(module))
            self._hosts = {policy_set.digest: host}
        return host

    def evaluate(
        self, policy_set: PolicySet, inputs: Sequence[Mapping[str, Any]]
    ) -> list[EngineOutput]:
        """One output per input, in order (see `Engine.evaluate`)."""
        host = self.prepare(policy_set)
        with _ticking(host):
            return [self._evaluate_one(host, policy_set, value) for value in inputs]

    def evaluate_each(
        self, policy_set: PolicySet, inputs: Sequence[Mapping[str, Any]]
    ) -> list[EngineOutput | BudgetExceeded]:
        """`Engine.evaluate_each` without a retry: each input is evaluated on its own
        already, with its own deadline and its heap started afresh, so an input over
        budget (the epoch deadline, the memory maximum) fails alone."""
        host = self.prepare(policy_set)
        out: list[EngineOutput | BudgetExceeded] = []
        with _ticking(host):
            for value in inputs:
                try:
                    out.append(self._evaluate_one(host, policy_set, value))
                except BudgetExceeded as exc:
                    out.append(exc)
        return out

    def _evaluate_one(
        self, host: WasmHost, policy_set: PolicySet, value: Mapping[str, Any]
    ) -> EngineOutput:
        try:
            answer = host.evaluate(_input_text(value))
        except BudgetExceeded as exc:
            raise BudgetExceeded(
                f"the wasm engine: the policies on {model_named(value)} {exc}; it was "
                f"stopped (budget per model: {self.budget.text()}; see engine.budget in "
                "the README)"
            ) from None
        except EngineError as exc:
            raise EngineError(_named(str(exc), policy_set)) from None
        if not isinstance(answer, list) or not answer:
            raise EngineError(
                "a package defines deny or not_applicable as something other than a set"
            )
        first = answer[0]
        if not isinstance(first, dict) or "result" not in first:
            raise EngineError(f"the wasm engine gave no result: {str(first)[:200]}")
        return EngineOutput.from_json(first["result"])

    def close(self) -> None:
        """Drop the module instances."""
        self._hosts = {}


class AutoEngine(Engine):
    """The wasm engine when the policy set has a module here, else the embedded engine
    (saying so once on stderr): the bundled set always runs on wasm; a team's set does
    when `opa` is found to compile it (or it was compiled before)."""

    def __init__(self, workers: int = 1, *, budget: Budget = DEFAULT_BUDGET) -> None:
        self._workers = workers
        self._budget = budget
        self._wasm = WasmEngine(budget=budget)
        self._embedded: Engine | None = None
        self._told = False

    def choose(self, policy_set: PolicySet) -> Engine:
        """The engine that evaluates `policy_set` (its module prepared when wasm)."""
        try:
            self._wasm.prepare(policy_set)
            return self._wasm
        except WasmUnavailable as exc:
            if not self._told:
                logger.warning("%s; evaluating on the embedded engine (regopy) instead", exc)
                self._told = True
        if self._embedded is None:
            from .embedded import EmbeddedEngine

            self._embedded = EmbeddedEngine(workers=self._workers, budget=self._budget)
        return self._embedded

    def runs_in_process(self, policy_set: PolicySet) -> str | None:
        """`wasm` or `embedded`, whichever `choose` picks for `policy_set`."""
        return self.choose(policy_set).runs_in_process(policy_set)

    def evaluate(
        self, policy_set: PolicySet, inputs: Sequence[Mapping[str, Any]]
    ) -> list[EngineOutput]:
        """One output per input, in order (see `Engine.evaluate`)."""
        return self.choose(policy_set).evaluate(policy_set, inputs)

    def close(self) -> None:
        """Close both engines."""
        self._wasm.close()
        if self._embedded is not None:
            self._embedded.close()
