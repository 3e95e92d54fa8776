"""The repository config, `.policyengine.yaml`: found, validated with Cerberus, normalized.

`load_config` reads the file with safe YAML, validates it against one Cerberus schema
(unknown keys and wrong types are errors that name the file, the key and its
line:column), fills the defaults, and resolves repository paths (they must stay inside
the repository root). Without a file, every default applies.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from cerberus import Validator

from .errors import ConfigError
from .results import Severity

CONFIG_NAME = ".policyengine.yaml"
"""The config file's name at the repository root."""

FRAMEWORKS = ("nist-ai-rmf", "iso42001", "atlas")
"""Every framework the engine knows (and a config may select), in report order."""

CADENCES = ("monthly", "quarterly", "semiannual", "annual")
"""The named review cadences."""

_SEVERITIES = [s.value for s in Severity]

_SCHEMA: dict[str, Any] = {
    "models": {"type": "list", "default": [], "schema": {"type": "string", "empty": False}},
    "frameworks": {
        "type": "list",
        "default": list(FRAMEWORKS),
        "empty": False,
        "schema": {"type": "string", "allowed": list(FRAMEWORKS)},
    },
    "fail_on": {"type": "string", "allowed": _SEVERITIES, "default": "low"},
    "review": {
        "type": "dict",
        "default": {},
        "schema": {
            "cadence": {
                "default": "quarterly",
                "anyof": [
                    {"type": "string", "allowed": list(CADENCES)},
                    {
                        "type": "dict",
                        "schema": {
                            "days": {"type": "integer", "min": 1, "required": True},
                        },
                    },
                ],
            },
            "remind_before": {"type": "integer", "min": 0, "default": 14},
        },
    },
    "engine": {
        "type": "dict",
        "default": {},
        "schema": {
            "name": {"type": "string", "allowed": ["embedded", "opa"], "default": "embedded"},
            "opa_url": {"type": "string", "nullable": True, "regex": r"https?://\S+"},
            "opa_use_loaded": {"type": "boolean", "default": False},
        },
    },
    "policies": {"type": "list", "default": [], "schema": {"type": "string", "empty": False}},
    "evidence_dir": {"type": "string", "empty": False, "default": "evidence"},
    "atlas_catalog": {
        "type": "string",
        "empty": False,
        "default": ".policyengine/atlas-catalog.json",
    },
}

_ANYOF_MESSAGES = {
    ("review", "cadence"): (
        "must be one of " + ", ".join(CADENCES) + " or a mapping {days: N} with N >= 1"
    ),
}

_TYPE_NAMES = {
    "list": "a list",
    "string": "a string",
    "dict": "a mapping",
    "integer": "an integer",
    "boolean": "true or false",
}


@dataclass(frozen=True)
class ReviewDefaults:
    """The review cadence models use unless they state their own."""

    cadence: str | int
    """`monthly`, `quarterly`, `semiannual` or `annual`; an int is a number of days."""
    remind_before: int
    """Days before the due date from which a review is `due_soon`."""


@dataclass(frozen=True)
class Config:
    """The normalized repository config (every default filled in)."""

    root: Path
    """The repository root (absolute)."""
    path: Path | None
    """The config file read, or None when the defaults apply."""
    models: tuple[str, ...]
    """Globs of threat-model files, relative to the root; empty means `.`."""
    frameworks: tuple[str, ...]
    """The frameworks to evaluate, in `FRAMEWORKS` order, without duplicates."""
    fail_on: Severity
    """The lowest severity that fails a run."""
    review: ReviewDefaults
    """Review cadence defaults."""
    engine: str
    """`embedded` or `opa`."""
    opa_url: str | None
    """The OPA server URL, when the engine is `opa`."""
    opa_use_loaded: bool
    """Query the policies the OPA server already holds instead of loading ours."""
    policies: tuple[Path, ...]
    """Extra policy folders (absolute, inside the root)."""
    evidence_dir: Path
    """Where evidence packs go (absolute, inside the root)."""
    atlas_catalog: str
    """The repository's ATLAS catalog file, relative to the root (POSIX form)."""


def find_root(start: Path) -> Path:
    """The repository root for `start` (a folder or a file).

    The nearest ancestor (or `start` itself) holding `.policyengine.yaml`; else the
    nearest holding `.git`; else `start`. The result is absolute.
    """
    begin = start.resolve()
    if begin.is_file():
        begin = begin.parent
    candidates = [begin, *begin.parents]
    for marker in (CONFIG_NAME, ".git"):
        for folder in candidates:
            if (folder / marker).exists():
                return folder
    return begin


def _positions(node: yaml.Node, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, yaml.Mark]]:
    """(document path, mark) for every key of every mapping and every list item."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            yield (*path, key), key_node.start_mark
            yield from _positions(value_node, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield (*path, i), item.start_mark
            yield from _positions(item, (*path, i))


def _duplicates(node: yaml.Node, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None and key in seen:
                yield (*path, key)
            seen.add(key)
            yield from _duplicates(value_node, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicates(item, (*path, i))


def _dotted(path: tuple[Any, ...]) -> str:
    out = str(path[0]) if path else ""
    for part in path[1:]:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


class _Located:
    """Builds ConfigErrors that name the file, the key and its line:column."""

    def __init__(self, file: Path, node: yaml.Node | None) -> None:
        self.file = file
        self.marks: dict[tuple[Any, ...], yaml.Mark] = (
            dict(_positions(node)) if node is not None else {}
        )
        self.duplicates: list[tuple[Any, ...]] = list(_duplicates(node)) if node is not None else []

    def where(self, path: tuple[Any, ...]) -> tuple[int, int]:
        for n in range(len(path), 0, -1):
            mark = self.marks.get(path[:n])
            if mark is not None:
                return mark.line + 1, mark.column + 1
        return 1, 1

    def line(self, path: tuple[Any, ...], problem: str) -> tuple[int, int, str]:
        line, col = self.where(path)
        return line, col, f"{self.file}:{line}:{col}: `{_dotted(path)}` {problem}"

    def error(self, path: tuple[Any, ...], problem: str) -> ConfigError:
        return ConfigError(self.line(path, problem)[2])


def _problem(error: Any) -> str:
    """One sentence for a leaf Cerberus error."""
    rule, constraint, value = error.rule, error.constraint, error.value
    if rule is None:
        return "is not a known key"
    if rule == "type":
        return f"must be {_TYPE_NAMES.get(constraint, constraint)} (got {value!r})"
    if rule == "allowed":
        return f"must be one of {', '.join(constraint)} (got {value!r})"
    if rule == "min":
        return f"must be at least {constraint} (got {value!r})"
    if rule == "empty":
        return "must not be empty"
    if rule == "nullable":
        return "must have a value"
    if rule == "required":
        return "is required"
    if rule == "regex":
        return f"must be an http:// or https:// URL (got {value!r})"
    return f"is invalid ({rule}: {constraint!r})"


def _leaf_errors(errors: Any) -> Iterator[tuple[tuple[Any, ...], str]]:
    for error in errors:
        path = tuple(error.document_path)
        if error.is_logic_error:
            yield path, _ANYOF_MESSAGES.get(path, "has an invalid value")
        elif error.is_group_error:
            yield from _leaf_errors(error.child_errors)
        else:
            yield path, _problem(error)


def _read(file: Path) -> tuple[Any, yaml.Node | None]:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the config file {file}: {exc}") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise ConfigError(f"{file}{where}: not valid YAML ({exc.problem})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML ({exc})") from None
    return data, node


def _inside(root: Path, text: str, located: _Located, path: tuple[Any, ...]) -> Path:
    target = (root / text).resolve()
    if not target.is_relative_to(root):
        raise located.error(path, f"is outside the repository root {root} (got {text!r})")
    return target


def _validate(data: Any, located: _Located) -> dict[str, Any]:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{located.file}:1:1: the config must be a mapping of keys (got {type(data).__name__})"
        )
    duplicates = sorted(located.line(path, "is given twice") for path in located.duplicates)
    if duplicates:
        raise ConfigError("\n".join(msg for _, _, msg in duplicates))
    validator = Validator(_SCHEMA)
    if validator.validate(dict(data)):
        normalized: dict[str, Any] = validator.document
        return normalized
    problems = sorted({located.line(p, m) for p, m in _leaf_errors(validator._errors)})
    raise ConfigError("\n".join(msg for _, _, msg in problems))


def load_config(root: Path, path: Path | None = None) -> Config:
    """The config of the repository at `root`.

    `path` None reads `root/.policyengine.yaml` when it exists, else uses the defaults.
    Raises ConfigError (file, key, line:column) for unreadable YAML, unknown keys,
    wrong types or values, and paths outside the root.
    """
    root = root.resolve()
    file = path if path is not None else root / CONFIG_NAME
    if path is None and not file.is_file():
        located = _Located(file, None)
        doc = _validate({}, located)
        file_used: Path | None = None
    else:
        data, node = _read(file)
        located = _Located(file, node)
        doc = _validate(data, located)
        file_used = file
    review = doc["review"]
    cadence = review["cadence"]
    engine = doc["engine"]
    frameworks = tuple(f for f in FRAMEWORKS if f in doc["frameworks"])
    atlas_catalog = _inside(root, doc["atlas_catalog"], located, ("atlas_catalog",))
    return Config(
        root=root,
        path=file_used,
        models=tuple(doc["models"]),
        frameworks=frameworks,
        fail_on=Severity(doc["fail_on"]),
        review=ReviewDefaults(
            cadence=cadence["days"] if isinstance(cadence, dict) else cadence,
            remind_before=review["remind_before"],
        ),
        engine=engine["name"],
        opa_url=engine.get("opa_url"),
        opa_use_loaded=engine["opa_use_loaded"],
        policies=tuple(
            _inside(root, p, located, ("policies", i)) for i, p in enumerate(doc["policies"])
        ),
        evidence_dir=_inside(root, doc["evidence_dir"], located, ("evidence_dir",)),
        atlas_catalog=atlas_catalog.relative_to(root).as_posix(),
    )
