"""The repository config, `.policyengine.yaml`: found, validated with Cerberus, normalized.

`load_config` reads the file once with the loader models use (YAML 1.2 core schema, so
`on`, `yes`, `0777` and `1_000` mean what they mean in a model; duplicate keys, custom
tags, alias bombs, deep nesting and files over 10 MB rejected with line:column),
validates it against one Cerberus schema (unknown keys and wrong types are errors that
name the file, the key and its line:column), fills the defaults, and resolves repository
paths (they must stay inside the repository root). Without a file, every default applies.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import urlsplit

from .budget import DEFAULT_BUDGET, MEMORY_MB_RANGE, SECONDS_RANGE, Budget
from .errors import ConfigError, InvalidDocument
from .loader import MAX_BYTES, Document, parse_yaml
from .results import Severity
from .review import cadence_label, longer_cadence

CONFIG_NAME = ".policyengine.yaml"
"""The config file's name at the repository root."""

FRAMEWORKS = ("nist-ai-rmf", "iso42001", "atlas")
"""Every framework the engine knows (and a config may select), in report order."""

CADENCES = ("monthly", "quarterly", "semiannual", "annual")
"""The named review cadences."""

_SEVERITIES = [s.value for s in Severity]

RISK_TOLERANCES = ("low", "medium", "high")
"""The values of `system.risk_tolerance`, from the least to the most tolerant."""

_CADENCE_RULE: dict[str, Any] = {
    "anyof": [
        {"type": "string", "allowed": list(CADENCES)},
        {
            "type": "dict",
            "schema": {
                "days": {"type": "integer", "min": 1, "max": 3660, "required": True},
            },
        },
    ],
}

_THRESHOLD: dict[str, Any] = {"type": "integer", "min": 1, "max": 25}

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
            "cadence": {"default": "quarterly", **_CADENCE_RULE},
            "max_cadence": {"default": "quarterly", **_CADENCE_RULE},
            "remind_before": {"type": "integer", "min": 0, "default": 14},
        },
    },
    "risk": {
        "type": "dict",
        "default": {},
        "schema": {
            "thresholds": {
                "type": "dict",
                "default": {},
                "schema": {
                    "low": {**_THRESHOLD, "default": 8},
                    "medium": {**_THRESHOLD, "default": 10},
                    "high": {**_THRESHOLD, "default": 15},
                },
            },
            "max_acceptance_days": {"type": "integer", "min": 1, "default": 365},
            "max_waiver_days": {"type": "integer", "min": 1, "default": 365},
            "acceptors": {
                "type": "list",
                "default": [],
                "schema": {"type": "string", "empty": False, "regex": r".*\S.*"},
            },
        },
    },
    "engine": {
        "type": "dict",
        "default": {},
        "schema": {
            "name": {
                "type": "string",
                "allowed": ["auto", "wasm", "embedded", "opa"],
                "default": "auto",
            },
            "opa_url": {"type": "string", "nullable": True, "regex": r"https?://\S+"},
            "opa_use_loaded": {"type": "boolean", "default": False},
            "budget": {
                "type": "dict",
                "default": {},
                "schema": {
                    "seconds": {
                        "type": "integer",
                        "min": int(SECONDS_RANGE[0]),
                        "max": int(SECONDS_RANGE[1]),
                        "default": int(DEFAULT_BUDGET.seconds),
                    },
                    "memory_mb": {
                        "type": "integer",
                        "min": MEMORY_MB_RANGE[0],
                        "max": MEMORY_MB_RANGE[1],
                        "default": DEFAULT_BUDGET.memory_mb,
                    },
                },
            },
        },
    },
    "policies": {"type": "list", "default": [], "schema": {"type": "string", "empty": False}},
    "code": {"type": "list", "default": [], "schema": {"type": "string", "empty": False}},
    "owners": {
        "type": "dict",
        "default": {},
        "keysrules": {"type": "string", "empty": False},
        "valuesrules": {"type": "list", "empty": False, "schema": {"type": "string"}},
    },
    "evidence_dir": {"type": "string", "empty": False, "default": "evidence"},
    "atlas_catalog": {
        "type": "string",
        "empty": False,
        "default": ".policyengine/atlas-catalog.json",
    },
    "register": {"type": "string", "empty": False, "default": "governance/register.yaml"},
}

_CADENCE_MESSAGE = (
    "must be one of " + ", ".join(CADENCES) + " or a mapping {days: N} with N from 1 to 3660"
)

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL = re.compile(rf"[A-Za-z0-9._%+-]+@{_LABEL}(?:\.{_LABEL})+")
"""An e-mail address an owner is reached at (`alice@example.com`): ATTENDEE in `.ics`."""
HANDLE = re.compile(r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9._-]+)?")
"""A GitHub user or team to mention (`@alice`, `@acme/ai-platform`): markdown only."""

_ANYOF_MESSAGES = {
    ("review", "cadence"): _CADENCE_MESSAGE,
    ("review", "max_cadence"): _CADENCE_MESSAGE,
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
    allow_unknown_history: bool = False
    """Let a change rule that could not read the git history pass (`--allow-unknown-history`).
    Set only from the command line, never from the config file: a pull request must not
    be able to loosen its own gate."""
    max_cadence: str | int = "quarterly"
    """The longest cadence a model may state (same forms as `cadence`): a longer one is a
    finding (TM-REVIEW-002) and its review falls due at this ceiling instead."""


@dataclass(frozen=True)
class RiskThresholds:
    """For each `system.risk_tolerance`, the risk (likelihood x impact) at or above which a
    threat must be treated."""

    low: int = 8
    medium: int = 10
    high: int = 15

    def of(self, tolerance: object) -> int:
        """The threshold of a tolerance; the strictest (lowest) one when the model declares
        none or one that is not `low`, `medium` or `high`."""
        if tolerance == "low":
            return self.low
        if tolerance == "medium":
            return self.medium
        if tolerance == "high":
            return self.high
        return min(self.low, self.medium, self.high)


@dataclass(frozen=True)
class RiskCriteria:
    """The organisation's risk criteria (`risk:` in the config): the treatment threshold of
    each risk tolerance, the longest risk acceptance and waiver, and who may accept a risk at
    or above the threshold."""

    thresholds: RiskThresholds = RiskThresholds()
    """The treatment threshold of each risk tolerance."""
    max_acceptance_days: int = 365
    """The longest a risk acceptance may run, from `acceptance.date` to `expires`."""
    max_waiver_days: int = 365
    """The furthest a waiver's `expires` may lie after the as-of date, in days (a waiver has
    no grant date to measure its length from); one further ahead waives nothing."""
    acceptors: tuple[str, ...] = ()
    """The roles or names that may accept a risk at or above the threshold (compared without
    regard to case or runs of spaces). Empty: nobody is authorised, so every such
    acceptance is a finding until the organisation names its acceptors."""
    acceptors_from: str = "risk.acceptors in .policyengine.yaml"
    """Where `acceptors` come from, for the messages: the config's `risk.acceptors`, or
    the organisation register's `risk_acceptors` that replace them."""

    def authorizes(self, approver: object) -> bool:
        """Whether `approver` (an `acceptance.approved_by`) is one of the acceptors."""
        if not isinstance(approver, str):
            return False
        wanted = _folded(approver)
        return bool(wanted) and any(_folded(a) == wanted for a in self.acceptors)


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


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
    risk: RiskCriteria
    """The organisation's risk criteria."""
    engine: str
    """`auto` (the default), `wasm`, `embedded` or `opa`."""
    opa_url: str | None
    """The OPA server URL, when the engine is `opa`."""
    opa_use_loaded: bool
    """Query the policies the OPA server already holds instead of loading ours."""
    policies: tuple[Path, ...]
    """Extra policy folders (absolute, inside the root)."""
    evidence_dir: Path
    """Where evidence packs go (absolute, inside the root)."""
    atlas_catalog: str
    """The repository's ATLAS catalog file, relative to the root (POSIX form); absolute
    when a pull request takes it from elsewhere (the base ref's copy)."""
    register: str = "governance/register.yaml"
    """The organisation register, relative to the root (POSIX form): the decisions on the
    organisation's controls that every model inherits (`policyengine.register`)."""
    code: tuple[str, ...] = ()
    """Code the threat models are compared with (`check --code`): folders or files,
    relative to the root (POSIX form), inside it; empty: no comparison."""
    owners: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """How to reach each `metadata.owner`: e-mail addresses (`EMAIL`) and GitHub handles
    (`HANDLE`), in the config's order; `remind` uses them."""
    budget: Budget = DEFAULT_BUDGET
    """What one model's evaluation may take (`engine.budget`; the command line's
    `--budget-seconds`/`--budget-memory` override it)."""


def setting_keys() -> tuple[str, ...]:
    """Every setting the config schema defines, dotted (`risk.thresholds.low`), in schema
    order: a mapping whose members the schema lists is walked, anything else is one
    setting (`owners`, whose keys are free, included)."""

    def walk(schema: Mapping[str, Any], prefix: str) -> Iterator[str]:
        for key, rule in schema.items():
            if rule.get("type") == "dict" and "schema" in rule:
                yield from walk(rule["schema"], f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}"

    return tuple(walk(_SCHEMA, ""))


def settings(config: Config) -> dict[str, object]:
    """Each setting of `config` (`setting_keys`) as plain values that compare as the
    setting does: paths relative to the root (POSIX), tuples as lists, enums as text."""

    def rel(path: Path) -> str:
        absolute = Path(os.path.abspath(path))
        return (
            absolute.relative_to(config.root).as_posix()
            if absolute.is_relative_to(config.root)
            else absolute.as_posix()
        )

    thresholds, risk, review = config.risk.thresholds, config.risk, config.review
    return {
        "models": list(config.models),
        "frameworks": list(config.frameworks),
        "fail_on": config.fail_on.value,
        "review.cadence": review.cadence,
        "review.max_cadence": review.max_cadence,
        "review.remind_before": review.remind_before,
        "risk.thresholds.low": thresholds.low,
        "risk.thresholds.medium": thresholds.medium,
        "risk.thresholds.high": thresholds.high,
        "risk.max_acceptance_days": risk.max_acceptance_days,
        "risk.max_waiver_days": risk.max_waiver_days,
        "risk.acceptors": list(risk.acceptors),
        "engine.name": config.engine,
        "engine.opa_url": config.opa_url,
        "engine.opa_use_loaded": config.opa_use_loaded,
        "engine.budget.seconds": config.budget.seconds,
        "engine.budget.memory_mb": config.budget.memory_mb,
        "policies": [rel(p) for p in config.policies],
        "code": list(config.code),
        "owners": {k: list(v) for k, v in sorted(config.owners.items())},
        "evidence_dir": rel(config.evidence_dir),
        "atlas_catalog": config.atlas_catalog,
        "register": config.register,
    }


def find_root(start: Path) -> Path:
    """The repository root for `start` (a folder or a file).

    The nearest ancestor (or `start` itself) holding `.policyengine.yaml` or `.git`,
    whichever comes first: the search stops at the repository's root, so a config in a
    folder above the repository never applies to it. Else `start`. The result is
    absolute.
    """
    begin = start.resolve()
    if begin.is_file():
        begin = begin.parent
    for folder in [begin, *begin.parents]:
        if (folder / CONFIG_NAME).exists() or (folder / ".git").exists():
            return folder
    return begin


def _dotted(path: tuple[Any, ...]) -> str:
    out = str(path[0]) if path else ""
    for part in path[1:]:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


class _Located:
    """Builds ConfigErrors that name the file, the key and its line:column."""

    def __init__(self, file: Path, doc: Document | None) -> None:
        self.file = file
        self.doc = doc

    def where(self, path: tuple[Any, ...]) -> tuple[int, int]:
        return self.doc.locate(path) if self.doc is not None else (1, 1)

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
    if rule == "max":
        return f"must be at most {constraint} (got {value!r})"
    if rule == "empty":
        return "must not be empty"
    if rule == "nullable":
        return "must have a value"
    if rule == "required":
        return "is required"
    if rule == "regex" and constraint.startswith("http"):
        return f"must be an http:// or https:// URL (got {value!r})"
    if rule == "regex":
        return "must not be blank"
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


def _read(file: Path, text: str | None = None) -> Document | None:
    """The config file parsed once by the models' loader; None when it holds no document.
    `text` is its content when it was read elsewhere (`file` then only names it)."""
    if text is not None:
        content = text.encode("utf-8")
    else:
        try:
            with file.open("rb") as fh:
                content = fh.read(MAX_BYTES + 1)  # the loader rejects a larger file
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {file}") from None
        except OSError as exc:
            raise ConfigError(f"cannot read the config file {file}: {exc}") from exc
    try:
        return parse_yaml(content, str(file))
    except InvalidDocument as exc:
        d = exc.diagnostic
        raise ConfigError(f"{d.file}:{d.line}:{d.column}: {d.message}") from None


def _inside(
    root: Path, text: str, located: _Located, path: tuple[Any, ...], lexical: bool = False
) -> Path:
    if lexical:
        # The config came from a git ref, so the working tree's symlinks (which a pull
        # request controls) do not decide which folder it names.
        target = Path(os.path.normpath(root / text))
    else:
        try:
            target = (root / text).resolve()
        except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
            raise located.error(
                path, f"is a symbolic link that never ends (a loop) (got {text!r})"
            ) from None
    if not target.is_relative_to(root):
        raise located.error(path, f"is outside the repository root {root} (got {text!r})")
    return target


def _evidence_dir(root: Path, text: str, located: _Located, lexical: bool) -> Path:
    """The folder packs are written under: inside the repository and outside git's own
    folder (a pack written there could replace hooks or config)."""
    target = _inside(root, text, located, ("evidence_dir",), lexical)
    if ".git" in target.relative_to(root).parts:
        raise located.error(("evidence_dir",), f"is inside git's own folder (got {text!r})")
    return target


def _glob(text: str, located: _Located, path: tuple[Any, ...]) -> str:
    """A `models` glob that pathlib can run from the root, inside it: relative, no `..`."""
    pure = PurePosixPath(text)
    if pure.is_absolute() or PureWindowsPath(text).drive:
        raise located.error(path, f"must be a glob relative to the repository root (got {text!r})")
    if ".." in pure.parts:
        raise located.error(path, f"must stay inside the repository, without '..' (got {text!r})")
    try:  # pathlib checks a pattern when it starts to match; a missing folder costs nothing
        next(Path("/nonexistent-policyengine-root").glob(text), None)
    except (ValueError, NotImplementedError, IndexError) as exc:
        problem = str(exc) or type(exc).__name__
        raise located.error(path, f"is not a valid glob: {problem} (got {text!r})") from None
    return text


def _url(text: str | None, located: _Located, path: tuple[Any, ...]) -> str | None:
    """An OPA URL that parses (a host, a port from 1 to 65535 when given), or None."""
    problem = url_problem(text) if text is not None else None
    if problem is not None:
        raise located.error(path, f"is not a valid URL: {problem} (got {text!r})")
    return text


def url_problem(url: str) -> str | None:
    """Why `url` is not a usable http(s) URL (`http://[::1`, a port over 65535), or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return str(exc)
    if parts.scheme not in ("http", "https"):
        return "it must start with http:// or https://"
    if not parts.hostname:
        return "it names no host"
    if port == 0:
        return "port 0"
    return None


def _owners(owners: Mapping[str, list[str]], located: _Located) -> dict[str, tuple[str, ...]]:
    """The `owners` mapping, each contact an e-mail address or a GitHub handle."""
    for owner, contacts in owners.items():
        for i, contact in enumerate(contacts):
            if not (EMAIL.fullmatch(contact) or HANDLE.fullmatch(contact)):
                raise located.error(
                    ("owners", owner, i),
                    "must be an e-mail address (name@example.com) or a GitHub handle "
                    f"(@user, @org/team) (got {contact!r})",
                )
    return {owner: tuple(contacts) for owner, contacts in owners.items()}


class _Unsure(Exception):
    """A config the quick check leaves to Cerberus (`_quick`)."""


_QUICK_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: type(v) is int,
    "boolean": lambda v: type(v) is bool,
    "list": lambda v: type(v) is list,
    "dict": lambda v: type(v) is dict,
}
_QUICK_RULES = frozenset(
    {"type", "default", "schema", "allowed", "empty", "min", "max", "regex", "nullable"}
    | {"anyof", "keysrules", "valuesrules", "required"}
)


def _quick(data: Mapping[Any, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """What Cerberus normalises a config that `_SCHEMA` plainly accepts into (the defaults
    filled in), without importing Cerberus (~30 ms of a pull-request check's start); raises
    `_Unsure` for anything else (an error to report, a bool where an integer goes, a
    null), which Cerberus then validates and names. Only a subset of what Cerberus
    accepts passes here, and the result is what it gives (tests/test_config.py)."""
    if any(not isinstance(k, str) or k not in schema for k in data):
        raise _Unsure
    out: dict[str, Any] = {}
    for key, rules in schema.items():
        if key in data:
            out[key] = _quick_value(data[key], rules)
        elif "default" in rules:
            out[key] = _quick_value(copy.deepcopy(rules["default"]), rules)
        elif rules.get("required"):
            raise _Unsure
    return out


def _quick_value(value: Any, rules: Mapping[str, Any]) -> Any:
    if not rules.keys() <= _QUICK_RULES:
        raise _Unsure
    if value is None:
        if rules.get("nullable"):
            return None
        raise _Unsure
    if "anyof" in rules:
        rest = {k: v for k, v in rules.items() if k not in ("anyof", "default")}
        for option in rules["anyof"]:
            try:
                # Cerberus validates against an option without normalising the value.
                if _quick_value(value, {**rest, **option}) == value:
                    return value
            except _Unsure:
                continue
        raise _Unsure
    kind = rules.get("type")
    if kind is not None and not _QUICK_TYPES[kind](value):
        raise _Unsure
    if "allowed" in rules and (not isinstance(value, str) or value not in rules["allowed"]):
        raise _Unsure
    if rules.get("empty") is False and isinstance(value, str | list | dict) and not value:
        raise _Unsure
    if "min" in rules and (type(value) is not int or value < rules["min"]):
        raise _Unsure
    if "max" in rules and (type(value) is not int or value > rules["max"]):
        raise _Unsure
    if "regex" in rules:
        pattern = rules["regex"] if rules["regex"].endswith("$") else rules["regex"] + "$"
        if not isinstance(value, str) or not re.match(pattern, value):
            raise _Unsure
    if isinstance(value, dict):
        if "schema" in rules:
            return _quick(value, rules["schema"])
        if "keysrules" in rules or "valuesrules" in rules:
            keys, values = rules.get("keysrules", {}), rules.get("valuesrules", {})
            return {_quick_value(k, keys): _quick_value(v, values) for k, v in value.items()}
        raise _Unsure
    if isinstance(value, list):
        if "schema" not in rules:
            raise _Unsure
        return [_quick_value(v, rules["schema"]) for v in value]
    if "schema" in rules or "keysrules" in rules or "valuesrules" in rules:
        raise _Unsure
    return value


def _validate(data: Any, located: _Located) -> dict[str, Any]:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{located.file}:1:1: the config must be a mapping of keys (got {type(data).__name__})"
        )
    try:
        return _quick(data, _SCHEMA)
    except _Unsure:
        pass
    from cerberus import Validator

    validator = Validator(_SCHEMA)
    if validator.validate(dict(data)):
        normalized: dict[str, Any] = validator.document
        return normalized
    problems = sorted({located.line(p, m) for p, m in _leaf_errors(validator._errors)})
    raise ConfigError("\n".join(msg for _, _, msg in problems))


def _cadence_value(value: Any) -> str | int:
    return int(value["days"]) if isinstance(value, dict) else str(value)


def load_config(root: Path, path: Path | None = None, *, text: str | None = None) -> Config:
    """The config of the repository at `root`.

    `path` None reads `root/.policyengine.yaml` when it exists, else uses the defaults.
    `text`, when given, is the config's content and `path` only names it in messages (a
    pull request reads its config from the base ref), and its paths are resolved without
    following the working tree's symlinks. Raises ConfigError (file, key,
    line:column) for unreadable YAML, unknown keys, wrong types or values, paths
    outside the root, and a `root/.policyengine.yaml` that is a symlink out of the
    repository (`path`, given by the user, may be anywhere).
    """
    root = root.resolve()
    file = path if path is not None else root / CONFIG_NAME
    if text is None and path is None and file.is_symlink():
        target = Path(os.path.realpath(file))  # never raises on a loop
        if not target.is_relative_to(root):
            raise ConfigError(
                f"{file}: a symlink to {target}, outside the repository: not read "
                "(pass a config outside the repository with --config)"
            )
    if text is None and path is None and not file.is_file():
        located = _Located(file, None)
        doc = _validate({}, located)
        file_used: Path | None = None
    else:
        loaded = _read(file, text)
        located = _Located(file, loaded)
        doc = _validate(loaded.data if loaded is not None else None, located)
        file_used = file
    review = doc["review"]
    cadence = _cadence_value(review["cadence"])
    max_cadence = _cadence_value(review["max_cadence"])
    if longer_cadence(cadence, max_cadence):
        raise located.error(
            ("review", "cadence"),
            f"is longer than review.max_cadence ({cadence_label(max_cadence)}): shorten it, "
            "or raise the ceiling",
        )
    risk = doc["risk"]
    thresholds = RiskThresholds(**risk["thresholds"])
    if not thresholds.low <= thresholds.medium <= thresholds.high:
        raise located.error(
            ("risk", "thresholds"),
            "must not decrease from low to medium to high (a more tolerant system cannot "
            "have a lower threshold)",
        )
    engine = doc["engine"]
    frameworks = tuple(f for f in FRAMEWORKS if f in doc["frameworks"])
    lexical = text is not None
    atlas_catalog = _inside(root, doc["atlas_catalog"], located, ("atlas_catalog",), lexical)
    return Config(
        root=root,
        path=file_used,
        models=tuple(_glob(g, located, ("models", i)) for i, g in enumerate(doc["models"])),
        frameworks=frameworks,
        fail_on=Severity(doc["fail_on"]),
        review=ReviewDefaults(
            cadence=cadence,
            remind_before=review["remind_before"],
            max_cadence=max_cadence,
        ),
        risk=RiskCriteria(
            thresholds=thresholds,
            max_acceptance_days=risk["max_acceptance_days"],
            max_waiver_days=risk["max_waiver_days"],
            acceptors=tuple(risk["acceptors"]),
            acceptors_from=f"risk.acceptors in {(file_used or Path(CONFIG_NAME)).name}",
        ),
        engine=engine["name"],
        opa_url=_url(engine.get("opa_url"), located, ("engine", "opa_url")),
        opa_use_loaded=engine["opa_use_loaded"],
        policies=tuple(
            _inside(root, p, located, ("policies", i), lexical)
            for i, p in enumerate(doc["policies"])
        ),
        evidence_dir=_evidence_dir(root, doc["evidence_dir"], located, lexical),
        atlas_catalog=atlas_catalog.relative_to(root).as_posix(),
        register=_inside(root, doc["register"], located, ("register",), lexical)
        .relative_to(root)
        .as_posix(),
        code=tuple(
            _inside(root, p, located, ("code", i), lexical).relative_to(root).as_posix()
            for i, p in enumerate(doc["code"])
        ),
        owners=_owners(doc["owners"], located),
        budget=Budget(
            seconds=float(engine["budget"]["seconds"]),
            memory_mb=engine["budget"]["memory_mb"],
        ),
    )
