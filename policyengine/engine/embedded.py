"""The embedded engine: regopy (Microsoft's rego-cpp) in process.

Each package that answers is compiled once into a program of its own (`PolicySet.programs`,
a regopy bundle, kept in `cache_dir()` between runs); per model, the input is set once on
one interpreter and every program queried against it. Every regopy failure
(a compile error, an `<error>` output, an undefined result) becomes a `PolicyError` or an
`EngineError`; no regopy exception leaves this module. Outputs are read through the C API
with guards, because reading an undefined or error output through regopy's `Output` class
can abort the process. rego-cpp writes compile errors to stdout whatever its log level, so
stdout (file descriptor 1) is pointed at /dev/null while it works.

An engine asked for more than one worker evaluates many inputs (more than
`workers.INPUTS_PER_WORKER` a worker) in a `workers.SpawnPool` whose processes each compile
(or load) the programs once and then evaluate chunks of inputs; outputs come back in input
order. A worker that fails or dies fails the whole call with `EngineError` (a policy that
does not compile, `PolicyError`): never a partial result.

A policy set other than the bundled one (a team's checks: untrusted code) is always
evaluated in such workers, one at least, never in this process: each worker watches its
own memory and each model's CPU time against the engine's `budget.Budget`
(`budget.guard_process`), and one that goes over ends itself; the call then raises
`BudgetExceeded` naming the budget, the package and the model. `Engine.evaluate_each`
then evaluates each input of the call alone, in a fresh pool after each death, to tell
which model went over.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import math
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import regopy
from regopy import Interpreter, NodeKind, RegoError
from regopy import rego_shared as _rs

from .. import budget as _budget
from ..budget import DEFAULT_BUDGET, Budget
from ..cache import cache_dir, programs_folder
from ..errors import BudgetExceeded, EngineError, PolicyError
from ..policyset import AGGREGATOR_MODULE, AGGREGATOR_PACKAGE, PolicySet, Program
from ..workers import INPUTS_PER_WORKER, SpawnPool, processes, worker_count
from . import Engine, EngineOutput, json_problem, model_named

__all__ = ["EmbeddedEngine", "cache_dir", "compile_modules", "query_json"]

_CHUNKS_PER_WORKER = 4  # several chunks per worker, so a slow chunk does not idle the others

_ERROR_NODE = 1801  # rego-cpp node kind of an error message (ErrorMsg), as observed
_ERROR_RE = re.compile(r"\(error (\d+):")
_MSG_RE = re.compile(r"\(errormsg (\d+):")

regopy.set_default_log_level("None")


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Point file descriptor 1 at /dev/null for the duration (rego-cpp prints there)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _located(source: str, offset: int) -> tuple[int, int]:
    before = source[:offset] if 0 <= offset <= len(source) else source
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1 if offset <= len(source) else 1
    return line, column


def _take(text: str, start: int, length: int) -> str:
    return text[start : start + length]


def compile_error(text: str, modules: Mapping[str, str], files: Mapping[str, str]) -> str:
    """Turn rego-cpp's error S-expression into `file:line:col: message` lines."""
    out: list[str] = []
    for m in _ERROR_RE.finditer(text):
        n = int(m.group(1))
        loc = _take(text, m.end(), n)
        rest = text[m.end() + n :]
        name, offset = loc, -1
        pos = re.match(r"\|(\d+)\|", rest)
        if pos:
            offset = int(pos.group(1))
        msg_m = _MSG_RE.search(rest)
        message = _take(rest, msg_m.end(), int(msg_m.group(1))) if msg_m else "error"
        if name in modules and offset >= 0:
            line, col = _located(modules[name], offset)
            out.append(f"{files.get(name, name)}:{line}:{col}: {message}")
        else:
            out.append(f"{files.get(name, name) or '<query>'}: {message}")
    return "; ".join(out) if out else text.strip()


def _messages(node: Any) -> list[str]:
    found: list[str] = []
    stack = [node]
    while stack:
        ptr = stack.pop()
        try:
            value = _rs.rego_node_value(ptr)
        except RegoError:
            value = ""
        if value and _rs.rego.regoNodeType(ptr) == _ERROR_NODE:
            found.append(value.strip())
        stack.extend(_rs.rego_node_get(ptr, i) for i in range(_rs.rego_node_size(ptr)))
    return found


def _read_output(impl: Any) -> list[dict[str, Any]]:
    """The results of one regopy output pointer; [] when undefined; frees the pointer."""
    try:
        text = _rs.rego_output_string(impl)
        if not _rs.rego_output_ok(impl) or text.lstrip().startswith("(error"):
            msgs = _messages(_rs.rego_output_node(impl))
            raise EngineError("the embedded engine failed: " + ("; ".join(msgs) or text.strip()))
        if text.strip() == "undefined":
            return []
        value = _node_value(_rs.rego_output_node(impl))
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise EngineError(f"the embedded engine gave an unreadable output: {text[:200]!r}")
        return value
    except RegoError as exc:
        raise EngineError(f"the embedded engine failed: {exc}") from exc
    finally:
        _rs.rego_free_output(impl)


# NOTE: regopy 1.5.2 writes strings into its text output without escaping them, so a quote
# in a model string could end a string early and rewrite the result. The output is read
# from its node tree instead, where the structure cannot be forged. A string node holds
# the text as read from the input, a literal as written in the source (escapes kept), or
# the result of a built-in such as concat() wrapped in quotes; a plain string (no quote,
# backslash or control character, the only text policies may return: `message.is_plain`)
# is the same in all three once the wrapping quotes go, and any other text is refused by
# `EngineOutput.from_json` on both engines alike.
_K = NodeKind
_SCALARS: dict[int, Callable[[str], object]] = {
    _K.Int.value: int,
    _K.Float.value: float,
    _K.True_.value: lambda _: True,
    _K.False_.value: lambda _: False,
    _K.Boolean.value: lambda text: {"true": True, "false": False}[text],
    _K.Null.value: lambda _: None,
    _K.String.value: lambda text: (
        text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text
    ),
}
_WRAPPERS = frozenset({_K.Term.value, _K.Scalar.value})


def _node_text(ptr: Any) -> str:
    size = _rs.rego.regoNodeValueSize(ptr)
    buf = ctypes.create_string_buffer(size)
    if _rs.rego.regoNodeValue(ptr, buf, size) != 0:
        raise EngineError("the embedded engine gave a value it cannot read back")
    return buf.value.decode("utf-8")


def _children(ptr: Any) -> list[Any]:
    get = _rs.rego.regoNodeGet
    return [get(ptr, i) for i in range(_rs.rego.regoNodeSize(ptr))]


def _node_value(ptr: Any) -> object:
    """The JSON value of one regopy output node (results, terms, bindings, values)."""
    kind = _rs.rego.regoNodeType(ptr)
    scalar = _SCALARS.get(kind)
    if scalar is not None:
        try:
            return scalar(_node_text(ptr))
        except (ValueError, KeyError):
            raise EngineError("the embedded engine gave a value it cannot read back") from None
    kids = _children(ptr)
    if kind in _WRAPPERS and len(kids) == 1:
        return _node_value(kids[0])
    if kind in (_K.Array.value, _K.Set.value, _K.Terms.value, _K.Results.value):
        return [_node_value(k) for k in kids]
    if kind in (_K.Object.value, _K.Bindings.value):
        pairs = [_children(k) for k in kids]
        if not all(len(p) == 2 for p in pairs):
            raise EngineError("the embedded engine gave an object it cannot read back")
        return {_key(p[0]): _node_value(p[1]) for p in pairs}
    if kind == _K.Result.value:
        parts = {_rs.rego.regoNodeType(k): k for k in kids}
        terms, bindings = parts.get(_K.Terms.value), parts.get(_K.Bindings.value)
        return {
            "expressions": _node_value(terms) if terms is not None else [],
            "bindings": _node_value(bindings) if bindings is not None else {},
        }
    raise EngineError(f"the embedded engine gave a node of unknown kind {kind}")


def _key(ptr: Any) -> str:
    """An object key as JSON writes it: text as is, a number or a boolean as its JSON text."""
    key = _node_text(ptr) if _rs.rego.regoNodeType(ptr) == _K.Var.value else _node_value(ptr)
    if isinstance(key, str):
        return key
    if isinstance(key, int | float | bool):
        return str(key).lower() if isinstance(key, bool) else str(key)
    raise EngineError("the embedded engine gave an object key that is neither text nor a number")


_INT64 = (-(2**63), 2**63 - 1)


def _regopy_limit(v: object) -> str | None:
    """Why regopy would not read the JSON value or key `v` faithfully, or None."""
    kind = type(v)
    if kind is str:
        return "holds a NUL character, which regopy cannot read" if "\0" in v else None  # type: ignore[operator]
    if kind is int:
        low, high = _INT64
        if low <= v <= high:  # type: ignore[operator]
            return None
        return f"is {v}, beyond the 64-bit integers regopy reads (use --engine opa)"
    if kind in (float, bool, dict, list) or v is None:
        return None
    return f"is a {kind.__name__}, which regopy cannot read"


class _Unreadable(Exception):
    """A part of the input regopy cannot read faithfully (located afterwards by
    `json_problem` with `_regopy_limit`)."""


def _input_handle(value: Mapping[str, Any]) -> Any:
    """A rego-cpp input built from `value` through the C API; `EngineError` when not JSON.

    regopy's own `Input` costs ~7 µs a node (a 200-threat input: ~45 ms) and silently
    truncates an integer beyond 64 bits or a string at a NUL character; this walks the value
    once with the C functions bound directly (~2.5 µs a node) and refuses what regopy would
    corrupt. Only `dict` (text keys), `list`, `str`, `int`, finite `float`, `bool` and
    `None` pass. The caller frees the handle with `regoFreeInput`.
    """
    lib = _rs.rego
    handle = lib.regoNewInput()
    put_str, put_int, put_float = lib.regoInputString, lib.regoInputInt, lib.regoInputFloat
    put_bool, put_null, put_item = lib.regoInputBoolean, lib.regoInputNull, lib.regoInputObjectItem
    put_object, put_array = lib.regoInputObject, lib.regoInputArray
    low, high = _INT64

    def add(v: Any) -> None:
        kind = type(v)
        if kind is str:
            if "\0" in v:
                raise _Unreadable
            put_str(handle, v.encode("utf-8"))
        elif kind is dict:
            for k, x in v.items():
                if type(k) is not str or "\0" in k:
                    raise _Unreadable
                put_str(handle, k.encode("utf-8"))
                add(x)
                put_item(handle)
            put_object(handle, len(v))
        elif kind is list:
            for x in v:
                add(x)
            put_array(handle, len(v))
        elif kind is bool:
            put_bool(handle, v)
        elif kind is int and low <= v <= high:
            put_int(handle, v)
        elif kind is float and math.isfinite(v):
            put_float(handle, v)
        elif v is None:
            put_null(handle)
        else:
            raise _Unreadable

    try:
        add(value if type(value) is dict else dict(value))
    except _Unreadable:
        lib.regoFreeInput(handle)
        problem = json_problem(value, also=_regopy_limit) or "a value of an unknown kind"
        raise EngineError(f"the embedded engine cannot read the policy input: {problem}") from None
    except BaseException:
        lib.regoFreeInput(handle)
        raise
    return handle


def compile_modules(modules: Mapping[str, str], files: Mapping[str, str]) -> Interpreter:
    """A fresh interpreter holding `modules` (name to source); `PolicyError` on a bad one."""
    interp = Interpreter()
    interp.strict_built_in_errors = True
    with quiet_stdout():
        for name, source in modules.items():
            try:
                interp.add_module(name, source)
            except RegoError as exc:
                raise PolicyError(
                    "policy does not compile: " + compile_error(str(exc), modules, files)
                ) from exc
    return interp


def query_json(
    interp: Interpreter, query: str, modules: Mapping[str, str], files: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Run `query` and return its results ([] when undefined); errors as exceptions."""
    with quiet_stdout():
        try:
            impl = _rs.rego_query(interp._impl, query)
        except RegoError as exc:
            raise PolicyError(
                "policy does not compile: " + compile_error(str(exc), modules, files)
            ) from exc
        return _read_output(impl)


_RESULT_ENTRYPOINT = f"{AGGREGATOR_PACKAGE.replace('.', '/')}/result"
_CACHE_FORMAT = "1"
"""Part of every cache key: bump it when what a program holds changes."""


def _program_key(program: Program) -> str:
    digest = hashlib.sha256(f"{_CACHE_FORMAT}\0{regopy.__version__}\0".encode())
    for name, source in program.modules.items():
        digest.update(f"{name}\0{source}\0".encode())
    return digest.hexdigest()


class _Bundle:
    """A compiled program: regopy's bundle handle, freed with this object."""

    def __init__(self, handle: Any, owner: Any = None) -> None:
        self.handle = handle
        self._owner = owner  # the regopy Bundle (and its interpreter) the handle belongs to
        # Bound now: at interpreter exit the module's globals may already be gone.
        self._free = _rs.rego.regoFreeBundle if owner is None and handle else None

    def __del__(self) -> None:
        if self._free is not None:
            self._free(self.handle)
            self._free = None


class _Compiled:
    """One policy set, compiled: a program per package (`PolicySet.programs`), each its own
    regopy bundle, all queried against one interpreter that holds the input.

    Compiled programs are kept in `cache.programs_folder()` (never inside a git work tree,
    never a folder others can write) under a key of their sources and the
    regopy version, with a sha256 beside each file: a later process loads the 18 bundled
    programs in ~15 ms instead of compiling them in ~350 ms. A cache that cannot be read,
    written or trusted is ignored: the program is compiled.
    """

    def __init__(
        self, programs: Sequence[Program], files: Mapping[str, str], cache: Path | None
    ) -> None:
        self.files = files
        self.runner = Interpreter()
        self.runner.strict_built_in_errors = True
        self.programs = [(p.package, self._bundle(p, cache)) for p in programs]
        self.parts = {p.package: _part(p, files) for p in programs}
        """Each program's package as a message names it, with its files."""

    def _bundle(self, program: Program, cache: Path | None) -> _Bundle:
        key = _program_key(program)
        if cache is not None:
            loaded = self._load(cache, key)
            if loaded is not None:
                return loaded
        interp = compile_modules(program.modules, self.files)
        with quiet_stdout():
            try:
                bundle = interp.build(None, [_RESULT_ENTRYPOINT])
            except RegoError as exc:
                raise PolicyError(
                    "policies do not compile: "
                    + compile_error(str(exc), program.modules, self.files)
                ) from exc
        if not bundle.ok():
            raise PolicyError("policies do not compile (the embedded engine gave no reason)")
        if cache is not None:
            self._save(cache, key, interp, bundle)
        return _Bundle(bundle._impl, owner=(bundle, interp))

    def _load(self, cache: Path, key: str) -> _Bundle | None:
        path, sums = cache / f"{key}.rbb", cache / f"{key}.sha256"
        try:
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() != sums.read_text(encoding="ascii").strip():
                return None
            with quiet_stdout():
                handle = _rs.rego.regoBundleLoadBinary(self.runner._impl, str(path).encode())
        except (OSError, ValueError, RegoError):
            return None
        return _Bundle(handle) if handle else None

    @staticmethod
    def _save(cache: Path, key: str, interp: Interpreter, bundle: Any) -> None:
        part = cache / f".{key}.{os.getpid()}.part"
        try:
            cache.mkdir(parents=True, exist_ok=True)
            with quiet_stdout():
                _rs.rego_bundle_save_binary(interp._impl, str(part), bundle._impl)
            digest = hashlib.sha256(part.read_bytes()).hexdigest()
            os.replace(part, cache / f"{key}.rbb")
            sums = cache / f".{key}.{os.getpid()}.sha256"
            sums.write_text(digest + "\n", encoding="ascii")
            os.replace(sums, cache / f"{key}.sha256")
        except (OSError, RegoError):
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)

    def evaluate(self, value: Mapping[str, Any]) -> EngineOutput:
        # NOTE: regopy 1.5.2's set_input_term gets slower on every call on a reused
        # interpreter (200 threats: 85 -> 310 ms over five calls); an input built through
        # the C API stays flat.
        handle = _input_handle(value)
        answers: dict[str, list[Any]] = {"deny": [], "not_applicable": []}
        _budget.evaluating(model_named(value))
        with quiet_stdout():
            try:
                _rs.rego_set_input(self.runner._impl, handle)
            except RegoError as exc:
                raise EngineError(f"the embedded engine failed: {exc}") from exc
            finally:
                _rs.rego.regoFreeInput(handle)
            for package, bundle in self.programs:
                _budget.within(self.parts[package])
                try:
                    impl = _rs.rego_bundle_query_entrypoint(
                        self.runner._impl, bundle.handle, _RESULT_ENTRYPOINT
                    )
                except RegoError as exc:
                    raise EngineError(f"the embedded engine failed: {exc}") from exc
                answer = _package_answer(_read_output(impl), package)
                for key, sets in answers.items():
                    sets.extend(answer[key])
        _budget.idle()
        return EngineOutput.from_json(answers)


_PACKAGE_RE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)


def _part(program: Program, files: Mapping[str, str]) -> str:
    """`package team.x (team/x.rego)`: the package(s) a program answers, with the files
    that declare them."""
    packages = program.package.split(", ")
    declaring = sorted(
        files.get(name, name)
        for name, source in program.modules.items()
        if (m := _PACKAGE_RE.search(source)) is not None and m.group(1) in packages
    )
    where = f" ({', '.join(declaring)})" if declaring else ""
    return f"package{'s' if len(packages) > 1 else ''} {program.package}{where}"


def _package_answer(results: list[dict[str, Any]], package: str) -> dict[str, list[Any]]:
    """The `{"deny": [..], "not_applicable": [..]}` of one program's output."""
    if not results:
        which = f"one of the packages {package}" if ", " in package else f"package {package}"
        raise EngineError(f"{which} defines deny or not_applicable as something other than a set")
    expressions = results[0].get("expressions")
    value = expressions[0] if isinstance(expressions, list) and expressions else None
    if not isinstance(value, dict) or not all(
        isinstance(value.get(key), list) for key in ("deny", "not_applicable")
    ):
        raise EngineError(f"the embedded engine gave no result: {results[0]!r:.200}")
    return value


def _sources(
    policy_set: PolicySet,
) -> tuple[tuple[Program, ...], dict[str, str], Path | None]:
    """The programs to compile, the file of each module (for messages) and the cache."""
    files = {**policy_set.files, AGGREGATOR_MODULE: AGGREGATOR_MODULE}
    return policy_set.programs(), files, programs_folder()


# --- worker processes -------------------------------------------------------------------


def _guarded(
    budget: Budget,
    report: Path,
    programs: Sequence[Program],
    files: Mapping[str, str],
    cache: Path | None,
) -> _Compiled:
    """A worker's setup: this process watched against `budget` (`budget.guard_process`,
    reasons left in `report`), then the programs compiled or loaded."""
    _budget.guard_process(budget, report)
    return _Compiled(programs, files, cache)


def _bundled_digest() -> str | None:
    """The digest of the bundled policies (the tool's own code, evaluated in process), as
    recorded beside the shipped WebAssembly module; None when it is missing."""
    from .wasm import shipped_info

    info = shipped_info()
    return info.policy_digest if info is not None else None


def _evaluate_chunk(compiled: _Compiled, values: Sequence[Mapping[str, Any]]) -> list[EngineOutput]:
    """In a worker process (set up with `_Compiled`): evaluate a chunk of inputs in order."""
    return [compiled.evaluate(value) for value in values]


def _chunks(inputs: Sequence[Mapping[str, Any]], workers: int) -> list[Sequence[Mapping[str, Any]]]:
    size = max(1, math.ceil(len(inputs) / (workers * _CHUNKS_PER_WORKER)))
    return [inputs[i : i + size] for i in range(0, len(inputs), size)]


class EmbeddedEngine(Engine):
    """regopy in process: compiles each policy set once, then one query per input.

    `workers` is the worker processes asked for large batches (`workers.worker_count`):
    1 (the default) means in process, 0 one per CPU. Batches of at most
    `INPUTS_PER_WORKER` inputs of the bundled policies are evaluated in process, so a
    single model costs what it did without workers; any other policy set is evaluated
    in workers (one at least) that keep each model within `budget`, unless `guarded`
    says this process is such a worker already. Raises `UsageError` when `workers` is
    negative.
    """

    def __init__(
        self, workers: int = 1, *, budget: Budget = DEFAULT_BUDGET, guarded: bool = False
    ) -> None:
        self.workers = processes(workers)
        """Worker processes for batches of more than `INPUTS_PER_WORKER` inputs (1: none)."""
        self.budget = budget
        """What one model's evaluation may take in a worker."""
        self._guarded = guarded
        self._trusted: str | None = _bundled_digest()
        self._compiled: dict[str, _Compiled] = {}
        self._pool: SpawnPool[_Compiled] | None = None
        self._pool_key: tuple[str, int] = ("", 0)
        self._report: Path | None = None

    def evaluate(
        self, policy_set: PolicySet, inputs: Sequence[Mapping[str, Any]]
    ) -> list[EngineOutput]:
        """One output per input, in order (see `Engine.evaluate`)."""
        workers = worker_count(self.workers, len(inputs), INPUTS_PER_WORKER)
        if workers > 1 or not (self._guarded or policy_set.digest == self._trusted):
            return self._evaluate_parallel(policy_set, inputs, workers)
        compiled = self.prepare(policy_set)
        return [compiled.evaluate(value) for value in inputs]

    def runs_in_process(self, policy_set: PolicySet) -> str | None:
        """`embedded`: regopy evaluates in this process."""
        return "embedded"

    def prepare(self, policy_set: PolicySet) -> _Compiled:
        """Compile `policy_set` in this process now (or load it from the cache), once;
        `PolicyError` when it does not compile."""
        compiled = self._compiled.get(policy_set.digest)
        if compiled is None:
            compiled = _Compiled(*_sources(policy_set))
            self._compiled = {policy_set.digest: compiled}
        return compiled

    def _pool_for(self, policy_set: PolicySet, workers: int) -> SpawnPool[_Compiled]:
        key = (policy_set.digest, workers)
        if self._pool is not None and self._pool_key == key and not self._pool.broken:
            return self._pool
        self._shutdown_pool()
        self._report = Path(tempfile.mkdtemp(prefix="policyengine-budget-"))
        self._pool = SpawnPool(
            workers,
            _guarded,
            (self.budget, self._report, *_sources(policy_set)),
            what="the embedded engine",
            error=EngineError,
        )
        self._pool_key = key
        return self._pool

    def _evaluate_parallel(
        self, policy_set: PolicySet, inputs: Sequence[Mapping[str, Any]], workers: int
    ) -> list[EngineOutput]:
        pool = self._pool_for(policy_set, workers)
        try:
            outputs = [
                out
                for chunk in pool.map(_evaluate_chunk, _chunks(inputs, workers))
                for out in chunk
            ]
        except EngineError:
            why = _budget.over_budget(self._report) if self._report is not None else None
            if why is None:
                raise
            raise BudgetExceeded(
                f"the embedded engine: {why} (budget per model: {self.budget.text()}; "
                "see engine.budget in the README)"
            ) from None
        finally:
            if pool.broken:
                self._shutdown_pool()
        if len(outputs) != len(inputs):
            raise EngineError(
                f"the embedded engine workers returned {len(outputs)} results for "
                f"{len(inputs)} inputs (a bug)"
            )
        return outputs

    def _shutdown_pool(self) -> None:
        if self._pool is not None:
            self._pool.close()
        if self._report is not None:
            shutil.rmtree(self._report, ignore_errors=True)
        self._pool = None
        self._pool_key = ("", 0)
        self._report = None

    def close(self) -> None:
        """Drop the compiled interpreters and stop the worker processes."""
        self._compiled = {}
        self._shutdown_pool()
