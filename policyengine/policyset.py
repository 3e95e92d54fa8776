"""Loads a policy set: the Rego modules of one or more policy folders and their METADATA.

regopy lacks `rego.metadata.*`, so the check metadata (`custom.id`, `severity`,
`controls`) is read here, statically, with `yaml.safe_load`, and strictly: a malformed
block fails the load with the file and line. The set also carries a generated aggregator
module (package `policyengine.main`) that unions `deny` and `not_applicable` of every
package, so one query per model answers everything.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .capabilities import check_policies
from .catalog import control_order
from .errors import PolicyError
from .judged import Selector, parse_judges
from .message import SELECTOR, Messages, TemplateError
from .results import CheckInfo, Severity

AGGREGATOR_PACKAGE = "policyengine.main"
"""Package of the generated module whose `result` holds every package's answers."""
AGGREGATOR_MODULE = "_policyengine/main.rego"
"""Module name of the generated aggregator (never clashes: `_` is not a folder we load)."""

_PACKAGE_RE = re.compile(r"^package\s+([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*$")
_RULE_RE = re.compile(r"^(deny|not_applicable)\b\s*(?:contains\b|if\b|:=|=|\[|\{)")
_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class CheckMeta:
    """One check, as declared by a `# METADATA` block with a `custom.id`."""

    id: str
    """Stable check id, e.g. `TM-SCORE-002`."""
    title: str
    """One-line title of the check."""
    description: str
    """Longer description; "" when the block has none."""
    severity: Severity
    """Severity from `custom.severity`."""
    controls: Mapping[str, tuple[str, ...]]
    """Framework (`nist-ai-rmf`, `iso42001`, `atlas`, ...) to control ids, as declared."""
    package: str
    """Rego package that declares the check."""
    file: str
    """Path of the .rego file (as found under the policy folder given)."""
    line: int
    """1-based line of the `# METADATA` comment."""
    message: Messages | None = None
    """The message templates (`custom.message`); None for a team check that writes its
    own text in `msg` (the legacy shape)."""
    judges: tuple[Selector, ...] = ()
    """What the check's rules look at in a model (`custom.judges`, `judged.py`): a pass
    that judged none of it is no evidence for a control."""
    guard: bool = False
    """`custom.guard: true`: the check guards the statements other checks judge (is the
    text a placeholder?): its findings count against its controls, its passes are no
    evidence for them, so it never turns a failing control into a partial one."""
    guards: tuple[str, ...] = ()
    """The controls (`framework/ID`) the check guards and no more, when `custom.guard` is a
    mapping like `custom.controls` (`{iso42001: ["8.3"]}`): for them it is what `guard:
    true` makes it for all its controls (what it judges is incidental to them: an owner's
    name shows no risk treatment), while its passes stay evidence for its other controls."""
    decides: tuple[str, ...] = ()
    """`custom.decides`, the controls (`framework/ID`) a finding of the check decides alone:
    failing, the check makes them `not_satisfied` whatever the other checks found (a rule
    of controls.md that must hold exactly: no red-team exercise within 365 days, MEASURE
    2.7 not satisfied). A subset of its controls."""
    absent: str = ""
    """Why the check does not apply when its package says so (`custom.absent`), e.g.
    `no agent tools in this model`: the note of a control that is not applicable."""
    hint: str = ""
    """How to fix a finding (`custom.hint`); "" when the block gives none."""
    rationale: str = ""
    """Why the check exists (`custom.rationale`); "" when the block gives none."""
    rule_out: str = ""
    """How to rule the check out for a model on purpose: a waiver or a `not_applicable`
    entry, and who approves it (`custom.rule_out`); "" when the block gives none."""

    def evidences(self, key: str) -> bool:
        """Whether a pass of the check is evidence for control `key` (`framework/ID`): not
        when the check guards it (`guard`, `guards`)."""
        return not self.guard and key not in self.guards

    def control_keys(self) -> tuple[str, ...]:
        """Every control as `framework/ID`, sorted by framework, then in the catalogs' order
        (`catalog.control_order`: `A.2.2` before `A.10.4`)."""
        return self._control_keys

    @functools.cached_property
    def _control_keys(self) -> tuple[str, ...]:
        # Made once: every finding of every model asks its check (`evaluate.collect_outcomes`).
        keys = {f"{fw}/{cid}" for fw, ids in self.controls.items() for cid in ids}
        return tuple(sorted(keys, key=control_order))

    def info(self, source: str = "") -> CheckInfo:
        """What the check is, for a reader and for the formats that list every check
        (SARIF rules, JUnit cases): its METADATA, and each message template with numbered
        placeholders. `source` names its file as a reader should see it (default: as
        found)."""
        messages = (
            tuple((name, t.positional()) for name, t in self.message.templates.items())
            if self.message is not None
            else ()
        )
        return CheckInfo(
            id=self.id,
            title=self.title,
            severity=self.severity.value,
            controls=self.control_keys(),
            source=source or self.file,
            description=self.description,
            rationale=self.rationale,
            hint=self.hint,
            rule_out=self.rule_out,
            messages=messages,
        )


@dataclass(frozen=True)
class PolicySet:
    """The compiled-to-be policy set: modules, checks and the packages that answer."""

    modules: Mapping[str, str]
    """Module name (`<folder name>/<posix path in folder>`) to Rego source; no tests."""
    checks: Mapping[str, CheckMeta]
    """Check id to its metadata, sorted by id."""
    packages: tuple[str, ...]
    """Packages that define `deny` or `not_applicable`, sorted."""
    digest: str
    """sha256 (hex) over the sorted modules: a cache key for compiled policies."""
    tests: Mapping[str, str] = field(default_factory=dict)
    """Module name to Rego source of every `*_test.rego` file, sorted by name."""
    files: Mapping[str, str] = field(default_factory=dict)
    """Module name (tests included) to the path of its file, for messages."""
    deny_packages: tuple[str, ...] = ()
    """Packages that define `deny`, sorted."""
    not_applicable_packages: tuple[str, ...] = ()
    """Packages that define `not_applicable`, sorted."""
    test_support: Mapping[str, str] = field(default_factory=dict)
    """Module name to source of test-only data (`testdata.rego`): loaded with the tests,
    never into an engine that evaluates models, nor into a bundle."""

    def aggregator(self, *, batch: bool = False) -> str:
        """The generated module of package `policyengine.main`.

        `result` is `{"deny": [...], "not_applicable": [...]}`, one set per package. With
        `batch`, it also defines `batch`: `input.batch` (a list of inputs) mapped to a list
        of results. regopy 1.5.2 crashes on that rule (`with input as` inside a
        comprehension), so only OPA gets it.
        """
        return aggregator_source(self.deny_packages, self.not_applicable_packages, batch=batch)

    def programs(self) -> tuple[Program, ...]:
        """Small programs for the packages that answer (see `Program`), by package name."""
        return _programs(self)

    def file_of(self, module: str) -> str:
        """The file path of a module name (the name itself when unknown)."""
        return self.files.get(module, module)


@dataclass(frozen=True)
class Program:
    """What the embedded engine compiles for one package that answers: that package's
    modules, the modules of every package they name (`data.lib.result`, transitively), and
    a `policyengine.main` module whose `result` is the package's answer.

    regopy evaluates every rule more slowly the more rules the compiled program holds (a
    200-iteration loop: 1.6 ms alone, 2.9 ms beside 400 other rules), so each package runs
    in a program of its own, except that packages reaching the same module that reads the
    input share one (`_sharing`), so that module's rules run once. A module that reads
    `data` dynamically (`data[x]`) gets every module, and then every package is in one
    program.
    """

    package: str
    """The packages whose `deny` and `not_applicable` the program answers, joined by ", "."""
    modules: Mapping[str, str]
    """Module name to source, the generated `AGGREGATOR_MODULE` included."""


_DATA_REF_RE = re.compile(r"(?<![\w.])data\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
_DYNAMIC_DATA_RE = re.compile(r"(?<![\w.])data(?!\.[A-Za-z_])(?![\w])")
_INPUT_RE = re.compile(r"(?<![\w.])input(?!\w)")
_LITERAL_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`')


def _programs(policy_set: PolicySet) -> tuple[Program, ...]:
    package_of = {name: _package(source, Path(name)) for name, source in policy_set.modules.items()}
    code = {name: _without_comments(source) for name, source in policy_set.modules.items()}
    dynamic = any(_DYNAMIC_DATA_RE.search(text) for text in code.values())
    # The modules each module names through `data.` (a package, a parent or a child of one).
    reaches = {
        name: {
            other
            for ref in set(_DATA_REF_RE.findall(text))
            for other, pkg in package_of.items()
            if ref == pkg or ref.startswith(pkg + ".") or pkg.startswith(ref + ".")
        }
        for name, text in code.items()
    }
    answering = set(policy_set.deny_packages) | set(policy_set.not_applicable_packages)
    reached = {
        package: set(package_of)
        if dynamic
        else _closure({n for n, pkg in package_of.items() if pkg == package}, reaches)
        for package in answering
    }
    programs = []
    covered: set[str] = set()
    for group in _sharing(reached, package_of, code):
        chosen = set().union(*(reached[p] for p in group))
        covered |= chosen
        deny = [p for p in group if p in policy_set.deny_packages]
        na = [p for p in group if p in policy_set.not_applicable_packages]
        modules = {n: policy_set.modules[n] for n in sorted(chosen)}
        modules[AGGREGATOR_MODULE] = aggregator_source(deny, na, batch=False)
        programs.append(Program(", ".join(group), modules))
    # Modules no check reaches are compiled too (answering nothing), so that a broken one
    # is an error as it is on OPA.
    rest = set(package_of) - covered
    if rest:
        modules = {n: policy_set.modules[n] for n in sorted(_closure(rest, reaches))}
        modules[AGGREGATOR_MODULE] = aggregator_source([], [], batch=False)
        programs.append(Program(", ".join(sorted({package_of[n] for n in rest})), modules))
    return tuple(programs)


def _sharing(
    reached: Mapping[str, set[str]], package_of: Mapping[str, str], code: Mapping[str, str]
) -> list[list[str]]:
    """The answering packages in groups that share a program, each group sorted.

    Packages that reach the same module that reads the input (`lib.techniques`,
    `lib.attestation`) are grouped: its rules are then computed once per model, not once
    per package (the five ATLAS packages and the two attestation packages: ~4 ms a model).
    """
    group_of = {package: package for package in reached}

    def root(package: str) -> str:
        while group_of[package] != package:
            package = group_of[package]
        return package

    reads_input = {name for name, text in code.items() if _INPUT_RE.search(text)}
    first_reader: dict[str, str] = {}
    for package in sorted(reached):
        for name in sorted(reached[package] & reads_input):
            other = first_reader.setdefault(name, package)
            group_of[root(package)] = root(other)
    groups: dict[str, list[str]] = {}
    for package in sorted(reached):
        groups.setdefault(root(package), []).append(package)
    return sorted(groups.values())


def _closure(start: set[str], reaches: Mapping[str, set[str]]) -> set[str]:
    """The modules `start` holds and every module they reach, transitively."""
    chosen = set(start)
    todo = list(chosen)
    while todo:
        for name in reaches[todo.pop()] - chosen:
            chosen.add(name)
            todo.append(name)
    return chosen


def _without_comments(source: str) -> str:
    """`source` without its string literals and comments, for finding `data` and `input`
    references."""
    code = _LITERAL_RE.sub('""', source)
    return "\n".join(line.split("#", 1)[0] for line in code.splitlines())


def _answers(deny_packages: Sequence[str], not_applicable_packages: Sequence[str]) -> list[str]:
    """The body of a rule answering `{"deny": [..], "not_applicable": [..]}` for packages."""
    deny = ", ".join(f"data.{p}.deny" for p in deny_packages)
    na = ", ".join(f"data.{p}.not_applicable" for p in not_applicable_packages)
    return [
        f"\tdeny := [{deny}]",
        f"\tnot_applicable := [{na}]",
        "\tcount([1 | some s in deny; not is_set(s)]) == 0",
        "\tcount([1 | some s in not_applicable; not is_set(s)]) == 0",
        "}",
    ]


def aggregator_source(
    deny_packages: Sequence[str], not_applicable_packages: Sequence[str], *, batch: bool
) -> str:
    """Rego source of the aggregator module (see `PolicySet.aggregator`).

    `result` holds each package's `deny` and `not_applicable` set in arrays, not the union
    of those sets: regopy builds a set in time that grows with the square of its size (the
    union of 124 findings cost ~100 ms at 200 threats), so the engines flatten them. It is
    undefined when a package defines `deny` or `not_applicable` as something other than a
    set, which the engines report as an error instead of a silent pass. OPA answers it for
    the whole policy set; the embedded engine, for one package per program (`Program`).
    """
    lines = [
        "# Generated by policyengine: every package's answers, one set per package.",
        f"package {AGGREGATOR_PACKAGE}",
        "",
        'result := {"deny": deny, "not_applicable": not_applicable} if {',
        *_answers(deny_packages, not_applicable_packages),
    ]
    if batch:
        lines += ["", "batch := [r | some x in input.batch; r := result with input as x]"]
    return "\n".join(lines) + "\n"


TEST_SUPPORT_FILE = "testdata.rego"
"""A policy folder's shared test data: a module for the tests only."""


def load_policy_set(dirs: Sequence[Path], metadata: Mapping[str, Any] | None = None) -> PolicySet:
    """Read every `*.rego` file under `dirs` (sorted) into a `PolicySet`, each file once
    (by resolved path) when folders overlap or repeat: the first folder names it.
    `metadata` holds METADATA blocks parsed beforehand, by the sha256 of their text
    (`metadata_table`; default: the shipped table of the bundled set, `METADATA_TABLE`);
    any other block is parsed here.

    Raises `PolicyError` (naming file and line) for an unreadable file, a file without a
    package, a METADATA block that does not parse, a check without `custom.id`, a valid
    severity or controls, a check id declared twice across all folders, or a module
    that the Rego capability policy refuses (`capabilities.check_policies`: a built-in
    not on the allow-list, `data` outside the set). Test modules are checked by
    `policytest`, which runs them.
    """
    modules: dict[str, str] = {}
    tests: dict[str, str] = {}
    support: dict[str, str] = {}
    files: dict[str, str] = {}
    checks: dict[str, CheckMeta] = {}
    deny_pkgs: set[str] = set()
    na_pkgs: set[str] = set()
    prefixes: set[str] = set()
    loaded: set[Path] = set()
    known = copy.deepcopy(dict(metadata)) if metadata is not None else shipped_metadata()
    for folder in dirs:
        if not folder.is_dir():
            raise PolicyError(f"{folder}: policy folder does not exist or is not a folder")
        prefix = _unique_prefix(folder, prefixes)
        for path in sorted(folder.rglob("*.rego"), key=lambda p: p.relative_to(folder).as_posix()):
            if not path.is_file() or path.resolve() in loaded:
                continue  # a file reached twice (a folder and one inside it) loads once
            loaded.add(path.resolve())
            rel = path.relative_to(folder).as_posix()
            name = f"{prefix}/{rel}"
            source = _read(path)
            package = _package(source, path)
            files[name] = str(path)
            if path.name.endswith("_test.rego"):
                tests[name] = source
                continue
            if path.name == TEST_SUPPORT_FILE:
                support[name] = source
                continue
            if package == AGGREGATOR_PACKAGE:
                raise PolicyError(f"{path}: package {package} is reserved for policyengine")
            modules[name] = source
            for line in source.splitlines():
                m = _RULE_RE.match(line)
                if m:
                    (deny_pkgs if m.group(1) == "deny" else na_pkgs).add(package)
            declared = _checks(source, path, package, known)
            _placeholders_provided(declared, source)
            for meta in declared:
                if meta.id in checks:
                    first = checks[meta.id]
                    raise PolicyError(
                        f"{meta.file}:{meta.line}: check id {meta.id} is already declared "
                        f"at {first.file}:{first.line}"
                    )
                checks[meta.id] = meta
    check_policies(modules, files)
    digest = hashlib.sha256()
    for name in sorted(modules):
        digest.update(name.encode() + b"\0" + modules[name].encode() + b"\0")
    return PolicySet(
        modules=dict(sorted(modules.items())),
        checks=dict(sorted(checks.items())),
        packages=tuple(sorted(deny_pkgs | na_pkgs)),
        digest=digest.hexdigest(),
        tests=dict(sorted(tests.items())),
        files=dict(sorted(files.items())),
        deny_packages=tuple(sorted(deny_pkgs)),
        not_applicable_packages=tuple(sorted(na_pkgs)),
        test_support=dict(sorted(support.items())),
    )


def _unique_prefix(folder: Path, taken: set[str]) -> str:
    base = folder.resolve().name or "policies"
    prefix, n = base, 1
    while prefix in taken:
        n += 1
        prefix = f"{base}~{n}"
    taken.add(prefix)
    return prefix


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read policy file: {exc}") from exc


def _package(source: str, path: Path) -> str:
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = _PACKAGE_RE.match(stripped)
        if not m:
            raise PolicyError(f"{path}:{number}: expected a `package` declaration first")
        return m.group(1)
    raise PolicyError(f"{path}:1: no `package` declaration")


def _blocks(lines: Sequence[str]) -> Iterator[tuple[int, int, str]]:
    """Each `# METADATA` block of a module's `lines`: the 1-based line of its comment, the
    index of the first line after it and its text (the comment markers taken off)."""
    i = 0
    while i < len(lines):
        if lines[i].strip() != "# METADATA":
            i += 1
            continue
        start = i + 1  # 1-based line of the METADATA comment
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].lstrip().startswith("#"):
            text = lines[i].lstrip()[1:]
            body.append(text[1:] if text.startswith(" ") else text)
            i += 1
        yield start, i, "\n".join(body)


def _checks(
    source: str, path: Path, package: str, known: dict[str, Any] | None = None
) -> list[CheckMeta]:
    lines = source.splitlines()
    found: list[CheckMeta] = []
    for start, i, text in _blocks(lines):
        meta = _known_block(text, known) if known else None
        if meta is None:
            meta = _parse_block(text, path, start)
        custom = meta.get("custom")
        if isinstance(custom, dict) and "id" in custom:
            found.append(_check(meta, custom, path, start, package))
        elif custom is not None and not isinstance(custom, dict):
            raise PolicyError(f"{path}:{start}: METADATA `custom` must be a mapping")
        elif _annotates_deny(lines, i):
            raise PolicyError(
                f"{path}:{start}: the METADATA above this deny rule has no custom.id: a check "
                "needs custom.id, custom.severity and custom.controls"
            )
    if not found and any(_DENY_RE.match(line) for line in lines):
        first = next(n for n, line in enumerate(lines, start=1) if _DENY_RE.match(line))
        raise PolicyError(
            f"{path}:{first}: package {package} has a deny rule but no check METADATA "
            "(a # METADATA block with custom.id, custom.severity and custom.controls)"
        )
    return found


METADATA_TABLE = Path(__file__).resolve().parent / "data" / "policies.metadata.json"
"""The bundled policies' METADATA blocks as parsed, by the sha256 of each block's text:
`scripts/build_wasm.py` writes it beside the shipped module, and a block found in it is not
parsed again (PyYAML's ~0.2 ms a block, ~20 ms for the bundled set each run). A block it
does not hold (a team's policy, a bundled one edited since) is parsed from its text."""

_TABLE_FORMAT = 1
"""The format of `METADATA_TABLE`: bump it when what an entry holds changes."""


def _block_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _known_block(text: str, known: dict[str, Any]) -> dict[str, Any] | None:
    """The parsed block of `text` from `known` (taken out of it: each value is used once,
    so that no two checks share a mutable value), or None."""
    value = known.pop(_block_key(text), None)
    return value if isinstance(value, dict) else None


def metadata_table(sources: Iterable[str]) -> dict[str, Any]:
    """Every METADATA block of the Rego `sources` that parses to a mapping JSON holds
    exactly (no dates, no keys other than text), by the sha256 of its text, as
    `METADATA_TABLE` holds them. A block that does not parse is left out (its load reports
    it). Sorted by key, for a stable file."""
    table: dict[str, Any] = {}
    for source in sources:
        for start, _, text in _blocks(source.splitlines()):
            try:
                value = _parse_block(text, Path("-"), start)
            except PolicyError:
                continue
            try:
                exact = json.loads(json.dumps(value, allow_nan=False)) == value
            except (TypeError, ValueError):
                exact = False
            if exact:
                table[_block_key(text)] = value
    return dict(sorted(table.items()))


def shipped_metadata(path: Path = METADATA_TABLE) -> dict[str, Any]:
    """The blocks of `METADATA_TABLE` (a fresh copy each call); empty when it is missing,
    unreadable or of another format."""
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("format") != _TABLE_FORMAT:
        return {}
    blocks = doc.get("blocks")
    return blocks if isinstance(blocks, dict) else {}


def write_metadata_table(table: Mapping[str, Any], path: Path = METADATA_TABLE) -> None:
    """Write `table` (`metadata_table`) as `METADATA_TABLE`."""
    doc = {"format": _TABLE_FORMAT, "blocks": dict(sorted(table.items()))}
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", "utf-8")


_DENY_RE = re.compile(r"^deny\b(?!\s*\()")  # a deny rule, not a function named deny


def _annotates_deny(lines: Sequence[str], i: int) -> bool:
    """Whether the first code line at or after `i` (blank lines skipped) starts a deny rule."""
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i < len(lines) and bool(_DENY_RE.match(lines[i]))


_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=4096)
def _load_yaml(text: str) -> Any:
    """Safe YAML with libyaml where present; cached, since one run may load a set twice."""
    return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a safe loader


def _parse_block(text: str, path: Path, line: int) -> dict[str, Any]:
    try:
        value = copy.deepcopy(_load_yaml(text))
    except yaml.YAMLError:
        value = None  # reparsed below with the pure-Python loader, whose marks are exact
    try:
        value = value if value is not None else yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = line + 1 + mark.line if mark is not None else line
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(f"{path}:{where}: METADATA is not valid YAML: {problem}") from exc
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PolicyError(f"{path}:{line}: METADATA must be a YAML mapping")
    return value


def _check(
    meta: Mapping[str, Any], custom: Mapping[str, Any], path: Path, line: int, package: str
) -> CheckMeta:
    where = f"{path}:{line}"
    check_id = custom.get("id")
    if not isinstance(check_id, str) or not _ID_RE.match(check_id):
        raise PolicyError(f"{where}: custom.id must be an id like TM-AREA-001, got {check_id!r}")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise PolicyError(f"{where}: check {check_id} has no `title`")
    description = meta.get("description", "")
    if not isinstance(description, str):
        raise PolicyError(f"{where}: check {check_id}: `description` must be text")
    severity = custom.get("severity")
    try:
        sev = Severity(severity if isinstance(severity, str) else "")
    except ValueError:
        allowed = " | ".join(s.value for s in Severity)
        raise PolicyError(
            f"{where}: check {check_id}: custom.severity must be {allowed}, got {severity!r}"
        ) from None
    controls = _controls(custom.get("controls"), where, check_id)
    guard = custom.get("guard")
    return CheckMeta(
        message=_message(custom.get("message"), where, check_id),
        id=check_id,
        title=title.strip(),
        description=description.strip(),
        severity=sev,
        controls=controls,
        package=package,
        file=str(path),
        line=line,
        judges=_judges(custom.get("judges"), where, check_id),
        absent=_absent(custom.get("absent"), where, check_id),
        guard=_guard(guard, where, check_id),
        guards=_among(guard, "guard", controls, where, check_id) if isinstance(guard, dict) else (),
        decides=_among(custom.get("decides"), "decides", controls, where, check_id),
        hint=_text(custom, "hint", where, check_id),
        rationale=_text(custom, "rationale", where, check_id),
        rule_out=_text(custom, "rule_out", where, check_id),
    )


def _guard(value: object, where: str, check_id: str) -> bool:
    if value is None or isinstance(value, dict):
        return False  # a mapping names the controls it guards (`_among`)
    if not isinstance(value, bool):
        raise PolicyError(
            f"{where}: check {check_id}: custom.guard must be true, false or a mapping of "
            "framework to some of its control ids"
        )
    return value


def _among(
    value: object,
    key: str,
    controls: Mapping[str, tuple[str, ...]],
    where: str,
    check_id: str,
) -> tuple[str, ...]:
    """`custom.<key>` (`guard` as a mapping, `decides`): framework to control ids, as
    `framework/ID` keys in catalog order; each one of the check's own `custom.controls`."""
    if value is None:
        return ()
    named = _controls(value, where, check_id, key)
    keys = {f"{fw}/{cid}" for fw, ids in named.items() for cid in ids}
    stray = sorted(
        (
            f"{fw}/{cid}"
            for fw, ids in named.items()
            for cid in ids
            if cid not in controls.get(fw, ())
        ),
        key=control_order,
    )
    if stray:
        raise PolicyError(
            f"{where}: check {check_id}: custom.{key} names {', '.join(stray)}, not among its "
            "custom.controls"
        )
    return tuple(sorted(keys, key=control_order))


def _judges(value: object, where: str, check_id: str) -> tuple[Selector, ...]:
    if value is None:
        raise PolicyError(
            f"{where}: check {check_id} has no custom.judges: name the parts of the model it "
            "judges (e.g. `judges: [threats]`), so that a pass with nothing to judge is not "
            "taken as evidence (policies/README.md)"
        )
    try:
        return parse_judges(value)
    except ValueError as exc:
        raise PolicyError(f"{where}: check {check_id}: custom.judges: {exc}") from None


def _absent(value: object, where: str, check_id: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(f"{where}: check {check_id}: custom.absent must be a sentence")
    return " ".join(value.split())


EXPLAINED = ("hint", "rationale", "rule_out")
"""The `custom` fields that explain a check to a reader (`policyengine explain`)."""


def _text(custom: Mapping[str, Any], key: str, where: str, check_id: str) -> str:
    """`custom.<key>` as one paragraph (runs of white space made one space); "" if absent."""
    value = custom.get(key)
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(f"{where}: check {check_id}: custom.{key} must be text")
    return " ".join(value.split())


def _message(value: object, where: str, check_id: str) -> Messages | None:
    if value is None:
        return None
    try:
        return Messages(value)
    except TemplateError as exc:
        raise PolicyError(f"{where}: check {check_id}: custom.message {exc}") from None


_KEY_RE = re.compile(r'"([^"\n]*)"\s*:')
_STRING_RE = re.compile(r'"[^"\n]*"')


def _placeholders_provided(metas: Sequence[CheckMeta], source: str) -> None:
    """Every placeholder of a check's templates is a params key written in the check's rules.

    A static guard against a mismatch between METADATA and Rego: the params object is
    written in the check's own rules (`{"threat": ["threats", i, "id"]}`), the lines from
    its METADATA block to the next check's, so each `{name}` must appear there as a
    `"name":` key; with several templates, `"message":` must be written and each template's
    name appear as a string. Rendering checks each finding's params again.
    """
    lines = source.splitlines()
    starts = sorted(m.line for m in metas) + [len(lines) + 1]
    for meta in metas:
        if meta.message is None:
            continue
        end = starts[starts.index(meta.line) + 1]
        code = "\n".join(
            line for line in lines[meta.line - 1 : end - 1] if not line.lstrip().startswith("#")
        )
        needed = {f'"{n}":' for t in meta.message.templates.values() for n in t.names}
        if len(meta.message.templates) > 1:
            needed |= {f'"{SELECTOR}":'} | {f'"{name}"' for name in meta.message.templates}
        # The keys (`"name":`) and strings found in one pass each answer most of them; the
        # rest are searched for one by one (a regular expression each: ~70 a run).
        found = {f'"{k}":' for k in _KEY_RE.findall(code)} | set(_STRING_RE.findall(code))
        missing = sorted(
            k for k in needed - found if not re.search(re.escape(k).replace(":", r"\s*:"), code)
        )
        if missing:
            raise PolicyError(
                f"{meta.file}:{meta.line}: check {meta.id}: custom.message needs params its "
                f"rules (up to line {end - 1}) never write: " + ", ".join(missing)
            )


def _controls(
    value: object, where: str, check_id: str, key: str = "controls"
) -> dict[str, tuple[str, ...]]:
    shape = 'a mapping of framework to a list of control ids, e.g. {iso42001: ["6.1.2"]}'
    if not isinstance(value, dict) or not value:
        raise PolicyError(f"{where}: check {check_id}: custom.{key} must be {shape}")
    controls: dict[str, tuple[str, ...]] = {}
    for framework, ids in sorted(value.items(), key=lambda kv: str(kv[0])):
        if not isinstance(framework, str) or not framework:
            raise PolicyError(f"{where}: check {check_id}: custom.{key} must be {shape}")
        if (
            not isinstance(ids, list)
            or not ids
            or not all(isinstance(c, str) and c.strip() for c in ids)
        ):
            raise PolicyError(
                f"{where}: check {check_id}: custom.{key}.{framework} must be a non-empty "
                f"list of control ids (text), got {ids!r}"
            )
        controls[framework] = tuple(ids)
    return controls
