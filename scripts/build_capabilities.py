"""Writes policyengine/data/rego-capabilities.json: the built-ins policies may use.

The file is OPA's capabilities format (`opa capabilities --current`, cut down to the
names below), so `opa check --capabilities FILE` enforces it and policyengine's own scan
(`policyengine/capabilities.py`) reads the same list. Every name is a pure function of its
arguments: no network (`http.send`, `net.*`), no environment (`opa.runtime`), no clock or
randomness (`time.*`, `rand.*`, `uuid.*`), no output (`print`, `trace`), no parsing of
further policy (`rego.*`). Template strings (the `template_strings` feature) are left out:
regopy cannot read them.

Usage: python scripts/build_capabilities.py [OPA_BINARY]   (default: $POLICYENGINE_OPA or opa)
tests/test_capabilities.py fails until the file is in step with this list.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "policyengine" / "data" / "rego-capabilities.json"

OPERATORS = (
    # infix operators and `in` (OPA implements them as built-ins)
    "and",
    "or",
    "assign",
    "eq",
    "equal",
    "neq",
    "gt",
    "gte",
    "lt",
    "lte",
    "plus",
    "minus",
    "mul",
    "div",
    "rem",
    "internal.member_2",
    "internal.member_3",
)

USED = (
    # what the bundled policies, their tests and the examples call (sprintf: tests only)
    "array.concat",
    "array.slice",
    "base64.decode",
    "concat",
    "count",
    "indexof_n",
    "is_array",
    "is_boolean",
    "is_number",
    "is_object",
    "is_string",
    "json.marshal",
    "json.patch",
    "numbers.range",
    "object.get",
    "object.remove",
    "object.union",
    "regex.match",
    "sprintf",
    "strings.replace_n",
    "substring",
    "trim_space",
)

PURE = (
    # common pure built-ins a team's checks may want, present on both engines
    "abs",
    "array.flatten",
    "array.reverse",
    "ceil",
    "contains",
    "endswith",
    "floor",
    "format_int",
    "glob.match",
    "indexof",
    "intersection",
    "is_null",
    "is_set",
    "json.filter",
    "json.is_valid",
    "json.remove",
    "json.unmarshal",
    "lower",
    "max",
    "min",
    "numbers.range_step",
    "object.filter",
    "object.keys",
    "object.subset",
    "object.union_n",
    "product",
    "regex.find_n",
    "regex.is_valid",
    "regex.replace",
    "regex.split",
    "replace",
    "round",
    "semver.compare",
    "semver.is_valid",
    "sort",
    "split",
    "startswith",
    "strings.any_prefix_match",
    "strings.any_suffix_match",
    "strings.count",
    "strings.reverse",
    "sum",
    "to_number",
    "trim",
    "trim_left",
    "trim_prefix",
    "trim_right",
    "trim_suffix",
    "type_name",
    "union",
    "upper",
    "walk",
)

ALLOWED = frozenset(OPERATORS + USED + PURE)
"""Every built-in name the capability file lists."""

DROPPED_FEATURES = frozenset({"template_strings"})


def render(current: dict[str, object]) -> str:
    """The capability file's text from OPA's full capabilities (`opa capabilities --current`)."""
    builtins = [b for b in current["builtins"] if b["name"] in ALLOWED]  # type: ignore[attr-defined]
    missing = ALLOWED - {b["name"] for b in builtins}
    if missing:
        raise SystemExit(f"OPA does not know these built-ins: {', '.join(sorted(missing))}")
    doc = {
        "builtins": sorted(builtins, key=lambda b: b["name"]),
        "future_keywords": current.get("future_keywords", []),
        "features": [f for f in current.get("features", []) if f not in DROPPED_FEATURES],  # type: ignore[attr-defined]
    }
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def current_capabilities(opa: str) -> dict[str, object]:
    """OPA's own capabilities, from the binary at `opa`."""
    out = subprocess.run(
        [opa, "capabilities", "--current"], capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout))


if __name__ == "__main__":
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("POLICYENGINE_OPA", "opa")
    TARGET.write_text(render(current_capabilities(binary)), encoding="utf-8")
