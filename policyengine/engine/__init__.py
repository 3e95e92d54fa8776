"""Rego evaluation behind one small interface: `Engine.evaluate(policy_set, inputs)`.

Three engines implement it: `WasmEngine` (the policy set compiled by OPA into WebAssembly,
run in process with wasmtime), `EmbeddedEngine` (regopy, in process) and `OpaEngine` (an
OPA server over HTTP); `AutoEngine`, the default, is the wasm engine when the policy set
has a module, else the embedded one. All hand back the same plain shape,
`EngineOutput`, built from the aggregated `{"deny": [...], "not_applicable": [...]}` that
the policy set's generated `policyengine.main.result` rule answers for one input.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ..budget import DEFAULT_BUDGET, Budget
from ..errors import BudgetExceeded, EngineError, UsageError
from ..message import PLAIN_TEXT, is_plain
from ..policyset import PolicySet

__all__ = [
    "ENGINES",
    "Engine",
    "EngineOutput",
    "json_problem",
    "make_engine",
    "model_named",
    "orjson_differs",
]

ENGINES = ("auto", "wasm", "embedded", "opa")
"""The engine names `make_engine` knows; `auto` is the default."""


@dataclass(frozen=True)
class EngineOutput:
    """What the policies answered for one input."""

    deny: tuple[Mapping[str, Any], ...]
    """Findings: `rule_id`, `path` and `params` (or, from a legacy team check, `msg`
    instead of `params`), optional `control` or `controls` (the subset of its check's
    controls it fails); sorted by `(rule_id, path, params or msg, the rest)` so that both
    engines give the same order."""
    not_applicable: frozenset[str]
    """Ids of the checks that do not apply to this input."""

    @classmethod
    def from_json(cls, value: object) -> EngineOutput:
        """Validate and normalise one aggregated result; raises `EngineError` on a bad shape.

        `value` holds one set (a JSON array) per package. A deny element is one finding
        (`lib.result.finding`) or a batch of one check's findings (`lib.result.each`),
        which is expanded here into one finding per item; equal findings are kept once.
        Every text in it (ids, path keys, params words, legacy messages) must be plain
        (`message.is_plain`): regopy cannot carry other text faithfully, so both engines
        refuse it alike.
        """
        if not isinstance(value, dict):
            raise EngineError(f"policy result is not an object: {_short(value)}")
        deny_sets = value.get("deny", [])
        na_sets = value.get("not_applicable", [])
        if not _list_of_lists(deny_sets) or not _list_of_lists(na_sets):
            raise EngineError(f"policy result has no deny/not_applicable sets: {_short(value)}")
        # One serialisation per finding serves both the duplicate test and the order; one
        # of the whole answer, in most answers, the test that every text is plain.
        plain, key_text = _answer_tests(deny_sets)
        found: dict[str | bytes, tuple[tuple[str, str | bytes], Mapping[str, Any]]] = {}
        for element in (d for s in deny_sets for d in s):
            for finding in _findings(element, plain):
                key = (finding["rule_id"], key_text(_key_parts(finding)))
                found.setdefault(key[1], (key, finding))
        na: set[str] = set()
        for n in (n for s in na_sets for n in s):
            if not isinstance(n, str) or not is_plain(n):
                raise EngineError(
                    f"not_applicable holds a value that is not a plain id: {_short(n)}"
                )
            na.add(n)
        return cls(
            deny=tuple(f for _, f in sorted(found.values(), key=lambda kf: kf[0])),
            not_applicable=frozenset(na),
        )


def _list_of_lists(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, list) for v in value)


_MALFORMED = (
    "a policy denied with a malformed result (expected "
    '{"rule_id": id, "path": [..], "params": {..}} built with lib.result.finding, '
    '{"rule_id": id, "each": [{"path": [..], "params": {..}}, ..]} built with '
    "lib.result.each and lib.result.item, or a legacy finding with msg instead of params; "
    f"every text in it plain: {PLAIN_TEXT}, and params values pointers, numbers or words)"
)

_SHAPES = (frozenset({"path", "params"}), frozenset({"path", "msg"}))
"""The fields of a finding besides `rule_id` and the optional `control` or `controls`."""

_NARROWING = frozenset({"rule_id", "control", "controls"})
"""`rule_id` and the optional fields that say which of its check's controls it fails."""


def _findings(element: object, plain: Callable[[object], bool]) -> list[dict[str, Any]]:
    """The findings of one deny element: itself, or the items of a batch with its rule_id."""
    if isinstance(element, dict) and "each" in element:
        rule_id, items = element.get("rule_id"), element["each"]
        if (
            set(element) != {"rule_id", "each"}
            or not isinstance(items, list)
            or not all(isinstance(i, dict) and "rule_id" not in i for i in items)
        ):
            raise EngineError(f"{_MALFORMED}: {_short(element)}")
        findings: list[object] = [{"rule_id": rule_id, **i} for i in items]
    else:
        findings = [element]
    for d in findings:
        if not _well_formed(d, plain):
            raise EngineError(f"{_MALFORMED}: {_short(d)}")
    return findings  # type: ignore[return-value]  # checked by _well_formed


def _well_formed(d: object, plain: Callable[[object], bool]) -> bool:
    if not isinstance(d, dict) or frozenset(d) - _NARROWING not in _SHAPES:
        return False
    return (
        plain(d.get("rule_id"))
        and _pointer(d["path"], plain)
        and ("control" not in d or plain(d["control"]))
        and ("controls" not in d or _controls(d["controls"], plain))
        and ("msg" not in d or plain(d["msg"]))
        and ("params" not in d or _params(d["params"], plain))
    )


def _controls(value: object, plain: Callable[[object], bool]) -> bool:
    """A finding's `controls`: a non-empty list of plain texts."""
    return isinstance(value, list) and bool(value) and all(plain(c) for c in value)


def _plain(value: object) -> bool:
    return isinstance(value, str) and is_plain(value)


def _is_str(value: object) -> bool:
    """`_plain` for a value of an answer `_all_plain` passed."""
    return isinstance(value, str)


_ANSWER_TEXT = json.JSONEncoder(ensure_ascii=False).encode


def _all_plain(value: object) -> bool:
    """Whether every text in `value`, keys included, is plain (`message.is_plain`), from
    one serialisation: JSON escapes exactly `"`, `\\` and the characters below U+0020,
    so their text holds a backslash, and leaves U+007F as it is."""
    try:
        text = _ANSWER_TEXT(value)
    except (TypeError, ValueError, RecursionError):
        return False
    return "\\" not in text and "\x7f" not in text


def _pointer(value: object, plain: Callable[[object], bool] = _plain) -> bool:
    return isinstance(value, list) and all(
        plain(k) or (isinstance(k, int) and not isinstance(k, bool)) for k in value
    )


def _params(value: object, plain: Callable[[object], bool] = _plain) -> bool:
    return isinstance(value, dict) and all(
        plain(k)
        and (
            plain(v)
            or _pointer(v, plain)
            or (isinstance(v, int | float) and not isinstance(v, bool))
        )
        for k, v in value.items()
    )


_KEY_TEXT = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode
"""`json.dumps(value, sort_keys=True, separators=(",", ":"))` without making an encoder
each call (a 200-threat model with gaps has ~500 findings)."""


def _orjson_key_text(value: object) -> bytes:
    """`_KEY_TEXT`'s text, as orjson writes it, for an answer `_answer_tests` found it
    exact for (~5x faster)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _key_parts(d: Mapping[str, Any]) -> list[Any]:
    """What a finding sorts by after its rule_id, as one JSON text (`_KEY_TEXT`): its path,
    what it says (params or msg), then all of it; the text also tells equal ones apart.
    One text orders as the three would one by one: no complete JSON value is a proper
    prefix of another, so the first difference falls inside the same part."""
    return [d["path"], d.get("params", d.get("msg")), d]


def orjson_differs(text: bytes) -> bool:
    """Whether `text`, orjson's compact JSON of a value, may differ from `json.dumps`'s
    (`ensure_ascii=False`): where it holds a float of magnitude 1e-5 to 1e-9 (orjson writes
    `0.00001` and `1e-7` where Python writes `1e-05` and `1e-07`) or a NaN or infinity
    (orjson writes `null`, which `json.dumps` refuses or writes `NaN`). Such spellings
    inside strings answer True too: the caller then uses `json.dumps`, the same either
    way. (What else orjson cannot write alike it refuses: an integer beyond 64 bits, a
    lone surrogate, a key that is not a string.)"""
    if b"null" in text or b"0.0000" in text:
        return True
    at = text.find(b"e-")
    while at >= 0:
        if (
            text[at + 2 : at + 3] in (b"6", b"7", b"8", b"9")
            and not text[at + 3 : at + 4].isdigit()
        ):
            return True
        at = text.find(b"e-", at + 2)
    return False


def _answer_tests(
    deny_sets: object,
) -> tuple[Callable[[object], bool], Callable[[object], str | bytes]]:
    """From one serialisation of the whole answer: the test of a text (`_is_str` when
    every text in it is plain, `message.is_plain` shows how: JSON escapes exactly `"`,
    `\\` and the characters below U+0020, so their text holds a backslash, and leaves
    U+007F as it is; else `_plain`), and the key text of a finding's sort (orjson's when
    it is `_KEY_TEXT`'s byte for byte, which sorts the same, else `_KEY_TEXT`)."""
    try:
        text = orjson.dumps(deny_sets)
    except TypeError:  # orjson.JSONEncodeError: an integer beyond 64 bits
        return (_is_str if _all_plain(deny_sets) else _plain), _KEY_TEXT
    plain = _is_str if b"\\" not in text and b"\x7f" not in text else _plain
    exact = text.isascii() and not orjson_differs(text)  # `_KEY_TEXT` escapes beyond ASCII
    return plain, (_orjson_key_text if exact else _KEY_TEXT)


def model_named(value: Mapping[str, Any]) -> str:
    """`model "payments-rag"`: the model of a policy input as a message names it (its id
    when that is plain text of at most 100 characters, else `a model`)."""
    model = value.get("model")
    metadata = model.get("metadata") if isinstance(model, dict) else None
    name = metadata.get("id") if isinstance(metadata, dict) else None
    if isinstance(name, str) and 0 < len(name) <= 100 and is_plain(name):
        return f'model "{name}"'
    return "a model"


def _short(value: object) -> str:
    text = json.dumps(value, sort_keys=True, default=repr)
    return text if len(text) <= 200 else text[:197] + "..."


def json_problem(
    value: object, where: str = "input", also: Callable[[object], str | None] | None = None
) -> str | None:
    """`input.a.b[2] is nan`: the first part of `value` that is not JSON, or that `also`
    refuses (an engine's own limits, given each JSON value and key), or None.
    """
    stack: list[tuple[object, str]] = [(value, where)]
    while stack:
        v, at = stack.pop()
        if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
            return f"{at} is {v!r}"
        if not (v is None or isinstance(v, str | bool | int | float | dict | list | tuple)):
            return (
                f"{at} is a {type(v).__name__} ({v!r}); "
                "convert it to text or a number before evaluation"
            )
        if also is not None and (why := also(v)) is not None:
            return f"{at} {why}"
        if isinstance(v, dict):
            for k, item in v.items():
                if not isinstance(k, str):
                    return f"{at} has the key {k!r}"
                if also is not None and (why := also(k)) is not None:
                    return f"{at} has a key that {why}"
                stack.append((item, f"{at}.{k}"))
        elif isinstance(v, list | tuple):
            stack.extend((item, f"{at}[{i}]") for i, item in enumerate(v))
    return None


class Engine(ABC):
    """Evaluates a policy set against inputs; one `EngineOutput` per input, same order."""

    @abstractmethod
    def evaluate(
        self, policy_set: PolicySet, inputs: Sequence[Mapping[str, Any]]
    ) -> list[EngineOutput]:
        """Evaluate every input (`{"model": ..., "facts": ...}`).

        Raises `PolicyError` when the policies do not compile, `EngineError` when the
        evaluation fails (never a partial result), `EngineUnavailable` when the engine
        cannot be reached.
        """

    def evaluate_each(
        self, policy_set: PolicySet, inputs: Sequence[Mapping[str, Any]]
    ) -> list[EngineOutput | BudgetExceeded]:
        """`evaluate`, except that an input whose evaluation goes over the budget gets its
        `BudgetExceeded` in place of an output and the others are still evaluated. Here:
        the batch at once, and after a batch that went over budget each of its inputs
        again alone (one retry per input at most; an embedded engine's broken pool is
        replaced by a fresh one). Raises as `evaluate` does otherwise."""
        try:
            return list(self.evaluate(policy_set, inputs))
        except BudgetExceeded as exc:
            if len(inputs) == 1:
                return [exc]
        out: list[EngineOutput | BudgetExceeded] = []
        for value in inputs:
            try:
                out.extend(self.evaluate(policy_set, [value]))
            except BudgetExceeded as exc:
                out.append(exc)
        return out

    def runs_in_process(self, policy_set: PolicySet) -> str | None:
        """The name of the in-process engine that evaluates `policy_set` here (`wasm` or
        `embedded`), or None when the engine evaluates elsewhere (OPA): a run in worker
        processes gives each worker an engine of that name."""
        return None

    def close(self) -> None:  # noqa: B027 (optional hook, default does nothing)
        """Release what the engine holds (interpreters, HTTP sessions)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_engine(
    name: str,
    *,
    opa_url: str | None = None,
    token: str | None = None,
    use_loaded: bool = False,
    workers: int = 1,
    timeout: float = 10.0,
    budget: Budget = DEFAULT_BUDGET,
) -> Engine:
    """The engine called `name` (`auto`, `wasm`, `embedded` or `opa`); raises `UsageError`
    otherwise.

    `opa` needs `opa_url`; `token` is sent as a bearer token; with `use_loaded` the OPA
    engine queries the policies the server already holds instead of loading the set.
    `workers` is the embedded engine's worker processes (1: in process; 0: one per CPU);
    `timeout` the seconds a request to OPA may take in all; `budget` what one model's
    evaluation may take on the wasm and embedded engines.
    """
    if name in ("auto", "wasm"):
        from .wasm import AutoEngine, WasmEngine

        return (
            AutoEngine(workers=workers, budget=budget)
            if name == "auto"
            else WasmEngine(budget=budget)
        )
    if name == "embedded":
        from .embedded import EmbeddedEngine

        return EmbeddedEngine(workers=workers, budget=budget)
    if name == "opa":
        if not opa_url:
            raise UsageError("--engine opa needs --opa-url URL (e.g. http://127.0.0.1:8181)")
        from .opa import OpaEngine

        return OpaEngine(opa_url, token=token, use_loaded=use_loaded, timeout=timeout)
    raise UsageError(f"unknown engine {name!r}: use auto, wasm, embedded or opa")
