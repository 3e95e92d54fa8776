"""Validates a loaded threat model against the JSON Schema, with located, readable errors.

The schema (`schemas/threat-model.schema.json`, draft 2020-12) is read and compiled once.
Each jsonschema error becomes a `Diagnostic` at the line and column of the offending node,
with a message that names the object (`unknown field 'likelyhood' in threat T-003`).

A model is first checked by jsonschema-rs (the same schema, formats checked, ~0.1 ms a
40-threat model against ~20 ms for jsonschema): when it finds the model valid, there is
nothing to report. Only a model it rejects goes through jsonschema, whose errors the
diagnostics are made from, so that messages do not depend on the accelerator. It is never
more lenient (tests/test_schema.py holds the two to that).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from .bundled import schemas_dir
from .errors import CatalogError
from .loader import Document, Part, to_pointer
from .results import Diagnostic, Level

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

SCHEMA_FILE = "threat-model.schema.json"
"""File name of the threat-model schema in `bundled.schemas_dir()`."""

REGISTER_SCHEMA_FILE = "register.schema.json"
"""File name of the organisation register's schema in `bundled.schemas_dir()`."""

_SECTION_NOUNS = {
    "assets": "asset",
    "surfaces": "surface",
    "threats": "threat",
    "controls": "control",
    "red_team": "red-team exercise",
    "findings": "finding",
    "ingestion_paths": "ingestion path",
    "interfaces": "interface",
    "waivers": "waiver",
    "attestations": "attestation",
    "not_applicable": "not_applicable entry",
    "documents": "document",
}

_PATTERN_HINTS = {
    "^(nist-ai-rmf|iso42001|atlas)/[A-Za-z0-9][A-Za-z0-9 ._-]*$": (
        "is not a control id written FRAMEWORK/ID (e.g. nist-ai-rmf/MAP 5.1, iso42001/A.7.5)"
    ),
    "^AML\\.T[0-9]{4}(\\.[0-9]{3})?$": (
        "is not an ATLAS technique id (AML.Tnnnn or AML.Tnnnn.nnn)"
    ),
    "^[A-Za-z0-9][A-Za-z0-9._:-]*$": (
        "is not a valid id (letters, digits, '.', '_', ':' and '-', starting with a letter "
        "or digit)"
    ),
    "^[^/\\s]+/[^/\\s]+$": "is not a finding reference written EXERCISE/FINDING (e.g. RT-1/F-3)",
    "^[0-9a-fA-F]{64}$": "is not a SHA-256 hash (64 hex digits)",
    "^LLM[0-9]{2}$": "is not an OWASP LLM id (LLM01 .. LLM10)",
}


def schema_text(name: str = SCHEMA_FILE) -> str:
    """A published JSON Schema's text: the threat model's (default) or the register's
    (`REGISTER_SCHEMA_FILE`).

    Raises `errors.CatalogError` when the bundled schema file is missing.
    """
    path = schemas_dir() / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"the schema {name} is missing: {path} ({exc})") from None


def _inline_refs(node: Any, defs: Mapping[str, Any], depth: int = 0) -> Any:
    """The schema with every local `$ref: "#/$defs/X"` replaced by the definition itself.

    NOTE: jsonschema resolves a `$ref` through the `referencing` registry on every visit,
    which cost ~40% of validating a large model; the published schema keeps its `$ref`s,
    the validator works on this equivalent, ref-free copy. Siblings of a `$ref` (such as
    `description`) are kept beside the inlined keywords, as 2020-12 evaluates both.
    """
    if depth > 32:  # a recursive definition: leave the reference to the resolver
        return node
    if isinstance(node, list):
        return [_inline_refs(v, defs, depth) for v in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in defs:
        target = _inline_refs(defs[ref[8:]], defs, depth + 1)
        siblings = {k: _inline_refs(v, defs, depth) for k, v in node.items() if k != "$ref"}
        if isinstance(target, dict) and not (siblings.keys() & target.keys() - {"description"}):
            return {**target, **siblings}
        return {"allOf": [target], **siblings}
    return {k: _inline_refs(v, defs, depth) for k, v in node.items()}


_PYTHON_END = r"\Z"


def _anchored(node: Any) -> Any:
    """The schema with each `pattern` ending in `$` ending in `\\Z` instead.

    JSON Schema patterns are ECMA-262, where `$` is the end of the text; Python's `re`
    (which jsonschema uses) also lets `$` match before a final newline, so `id: |` block
    text (`T-001\\n`) passed `^...$`. `\\Z` is Python's end of the text.
    """
    if isinstance(node, list):
        return [_anchored(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _anchored(v) for k, v in node.items()}
    pattern = node.get("pattern")
    if isinstance(pattern, str) and pattern.endswith("$") and not pattern.endswith("\\$"):
        out["pattern"] = pattern[:-1] + _PYTHON_END
    return out


@cache
def _schema(name: str = SCHEMA_FILE) -> dict[str, Any]:
    """A bundled schema, parsed once for both validators (read only, never changed)."""
    schema: dict[str, Any] = json.loads(schema_text(name))
    return schema


@cache
def _validator(name: str = SCHEMA_FILE) -> Any:
    """The compiled Draft 2020-12 validator with a FormatChecker (built once).

    The bundled schema is not checked against the meta-schema here: that costs ~0.35 s a
    process, and `tests/test_schema.py` checks the schema that ships.
    """
    # Imported here: ~0.17 s a process, and only a model jsonschema-rs rejects needs it.
    from jsonschema import Draft202012Validator, FormatChecker

    schema = _schema(name)
    flat = _anchored(_inline_refs(schema, schema.get("$defs", {})))
    return Draft202012Validator(flat, format_checker=FormatChecker())


@cache
def _accelerator(name: str = SCHEMA_FILE) -> Any:
    """jsonschema-rs's validator for the same schema, formats checked (built once)."""
    return jsonschema_rs.validator_for(_schema(name), validate_formats=True)


def quickly_valid(data: Any, name: str = SCHEMA_FILE) -> bool:
    """True when jsonschema-rs finds `data` valid against the schema `name`; False when it
    does not, or cannot read it (then jsonschema decides)."""
    try:
        return bool(_accelerator(name).is_valid(data))
    except Exception:  # noqa: BLE001 - any failure of the accelerator means: ask jsonschema
        return False


def _show(parts: Sequence[Part]) -> str:
    """`threats/2/likelihood` for parts, `the top level` for the root."""
    return "/".join(str(p) for p in parts) if parts else "the top level"


def describe(data: Any, parts: Sequence[Part], *, object_only: bool = False) -> str:
    """Name the object at `parts` for a message: `threat T-003`, `threats/2/validation`.

    With `object_only`, name only the innermost listed object that contains `parts`
    (`threat T-003`, `finding RT-1/F-3`), without the field path under it.
    """
    node = data
    best = ""
    best_end = 0
    for index, part in enumerate(parts):
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            break
        noun = (
            _SECTION_NOUNS.get(str(parts[index - 1])) if index and isinstance(part, int) else None
        )
        if noun is None or not isinstance(node, dict):
            continue
        ident = node.get("id")
        if isinstance(ident, str) and ident:
            if noun == "finding" and best.startswith("red-team exercise "):
                ident = f"{best.removeprefix('red-team exercise ')}/{ident}"
            best = f"{noun} {ident}"
        else:
            best = f"the {noun} at {_show(parts[: index + 1])}"
        best_end = index + 1
    if not best:
        return _show(parts)
    rest = parts[best_end:]
    return f"{best} ({_show(rest)})" if rest and not object_only else best


_NON_EMPTY = {"assets": "asset", "surfaces": "surface", "threats": "threat"}
"""The sections a model must not leave empty, and what each holds."""


def _message(error: ValidationError, parts: Sequence[Part], data: Any) -> str:
    """A message a user understands for one jsonschema error at `parts`."""
    where = _show(parts)
    validator = error.validator
    value = error.validator_value
    instance = error.instance
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        where = describe(data, parts) if parts else "the top level"
        return f"missing required field '{missing}' in {where}"
    if validator == "format" and value == "date":
        return f"{where}: {instance!r} is not a valid date (YYYY-MM-DD that exists)"
    if validator == "pattern" and isinstance(value, str) and value.endswith(_PYTHON_END):
        value = value[: -len(_PYTHON_END)] + "$"  # as the schema writes it (`_anchored`)
    if validator == "pattern" and value in _PATTERN_HINTS:
        return f"{where}: {instance!r} {_PATTERN_HINTS[value]}"
    if validator == "type":
        hint = ""
        if value == "string" and isinstance(instance, (int, float, bool)):
            hint = " (quote the value in YAML)"
        shown = (
            json.dumps(instance)
            if not isinstance(instance, (dict, list))
            else ("a mapping" if isinstance(instance, dict) else "a list")
        )
        if isinstance(value, list):
            return f"{where}: {shown} is not of type " + " or ".join(f"'{v}'" for v in value)
        return f"{where}: {shown} is not of type '{value}'{hint}"
    if validator == "const":
        return f"{where}: must be {value!r}, not {instance!r}"
    if validator == "minItems" and len(parts) == 1 and parts[0] in _NON_EMPTY:
        noun = _NON_EMPTY[str(parts[0])]
        return f"{where} is empty: a threat model with no {noun} assesses nothing"
    if validator == "oneOf" and parts and parts[-1] == "cadence":
        return f"{where}: must be monthly, quarterly, semiannual, annual or {{days: N}}"
    if validator == "oneOf" and not isinstance(instance, (dict, list)):
        named = [str(v) for s in value if isinstance(s, dict) for v in s.get("enum") or ()]
        shapes = [
            f"{{{key}: N}}"
            for s in value
            if isinstance(s, dict) and s.get("type") == "object"
            for key in s.get("properties") or {}
        ]
        if named:
            choices = [*named, *shapes]
            shown = (
                ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]
            )
            return f"{where}: {instance!r} is not valid: must be {shown}"
    if validator == "oneOf" and isinstance(instance, dict):
        keys = [next(iter(s["required"])) for s in value if "required" in s]
        if keys:
            return f"{where}: needs exactly one of " + " or ".join(f"'{k}'" for k in keys)
    return f"{where}: {error.message}"


def validate_schema(doc: Document, name: str = SCHEMA_FILE) -> list[Diagnostic]:
    """Schema errors of `doc` against the bundled schema `name` (the threat model's by
    default; `REGISTER_SCHEMA_FILE` for the organisation register), each located at its
    node, sorted by line and column.

    Returns an empty list for a valid document. Raises `errors.CatalogError` only when
    the bundled schema itself is missing.
    """
    if quickly_valid(doc.data, name):
        return []
    diagnostics: list[Diagnostic] = []
    for error in _validator(name).iter_errors(doc.data):
        parts: tuple[Part, ...] = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {})
            for key in sorted(k for k in error.instance if k not in known):
                if key.startswith("x-"):
                    continue
                key_parts = (*parts, key)
                line, column = doc.locate(key_parts)
                message = (
                    f"unknown field '{key}' in {describe(doc.data, parts)} "
                    "(fields starting with x- are free)"
                )
                diagnostics.append(
                    Diagnostic(
                        doc.path,
                        line,
                        column,
                        message,
                        to_pointer(key_parts),
                        Level.ERROR,
                        "schema",
                    )
                )
            continue
        line, column = doc.locate(parts)
        diagnostics.append(
            Diagnostic(
                doc.path,
                line,
                column,
                _message(error, parts, doc.data),
                to_pointer(parts),
                Level.ERROR,
                "schema",
            )
        )
    diagnostics.sort(key=lambda d: (d.line, d.column, d.message))
    return diagnostics
