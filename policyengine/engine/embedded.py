"""The embedded engine: regopy (Microsoft's rego-cpp) in process.

One fresh `Interpreter` per policy set, its modules compiled once (`build`) into a plan
that answers `policyengine.main.result`; then one query per model. Every regopy failure
(a compile error, an `<error>` output, an undefined result) becomes a `PolicyError` or an
`EngineError`; no regopy exception leaves this module. Outputs are read through the C API
with guards, because reading an undefined or error output through regopy's `Output` class
can abort the process. rego-cpp writes compile errors to stdout whatever its log level, so
stdout (file descriptor 1) is pointed at /dev/null while it works.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import regopy
from regopy import Interpreter, RegoError
from regopy import rego_shared as _rs

from ..errors import EngineError, PolicyError
from ..policyset import AGGREGATOR_MODULE, AGGREGATOR_PACKAGE, PolicySet
from . import Engine, EngineOutput, input_json

__all__ = ["EmbeddedEngine", "compile_modules", "query_json"]

_QUERY = f"x := data.{AGGREGATOR_PACKAGE}.result"
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
        value = json.loads(text)
        return value if isinstance(value, list) else [value]
    except RegoError as exc:
        raise EngineError(f"the embedded engine failed: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise EngineError(
            f"the embedded engine gave an unreadable output ({exc}); regopy 1.5.2 does not "
            'escape " or \\ inside strings: a policy message must not contain them'
        ) from exc
    finally:
        _rs.rego_free_output(impl)


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


class _Compiled:
    """One policy set, compiled: the interpreter and its plan for the result query."""

    def __init__(self, policy_set: PolicySet) -> None:
        self.modules = {**policy_set.modules, AGGREGATOR_MODULE: policy_set.aggregator()}
        self.files = {**policy_set.files, AGGREGATOR_MODULE: AGGREGATOR_MODULE}
        self.interp = compile_modules(self.modules, self.files)
        with quiet_stdout():
            try:
                self.bundle = self.interp.build(_QUERY)
            except RegoError as exc:
                raise PolicyError(
                    "policies do not compile: " + compile_error(str(exc), self.modules, self.files)
                ) from exc
        if not self.bundle.ok():
            raise PolicyError("policies do not compile (the embedded engine gave no reason)")

    def evaluate(self, value: Mapping[str, Any]) -> EngineOutput:
        text = input_json(value)
        with quiet_stdout():
            try:
                self.interp.set_input_term(text)
                impl = _rs.rego_bundle_query(self.interp._impl, self.bundle._impl)
            except RegoError as exc:
                raise EngineError(f"the embedded engine failed: {exc}") from exc
            results = _read_output(impl)
        if not results:
            raise EngineError(
                f"data.{AGGREGATOR_PACKAGE}.result is undefined: a policy package defines "
                "deny or not_applicable as something other than a set"
            )
        bindings = results[0].get("bindings", {})
        if "x" not in bindings:
            raise EngineError(f"the embedded engine gave no result: {results[0]!r:.200}")
        return EngineOutput.from_json(bindings["x"])


class EmbeddedEngine(Engine):
    """regopy in process: compiles each policy set once, then one query per input."""

    def __init__(self) -> None:
        self._compiled: dict[str, _Compiled] = {}

    def evaluate(
        self, policy_set: PolicySet, inputs: Sequence[Mapping[str, Any]]
    ) -> list[EngineOutput]:
        """One output per input, in order (see `Engine.evaluate`)."""
        compiled = self._compiled.get(policy_set.digest)
        if compiled is None:
            compiled = _Compiled(policy_set)
            self._compiled = {policy_set.digest: compiled}
        return [compiled.evaluate(value) for value in inputs]

    def close(self) -> None:
        """Drop the compiled interpreters."""
        self._compiled = {}
