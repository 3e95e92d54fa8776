"""Cross-reference checks of a threat model: unique ids, resolvable references, safe paths.

Every id a model refers to must exist (assets, surfaces, controls, threats, red-team
findings, framework controls, ATLAS techniques), ids are unique per section, and every
file path a model names stays inside the repository. ATLAS ids that the catalog marks as
retired or renamed are warnings naming the id to use now; a `review.atlas_version` later
than the catalog's release is an error (it would switch the ATLAS review rule off). The
checks read only the
parts of the model whose shape is right, so they never raise on schema-invalid data.
"""

from __future__ import annotations

import errno
import functools
import os
import posixpath
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Protocol

from .atlas import parse_version
from .config import CONFIG_NAME
from .errors import CatalogError
from .loader import Document, Part, to_pointer
from .results import Diagnostic, Level
from .schema import describe


class TechniqueInfo(Protocol):
    """What the checks read of an ATLAS technique (`atlas.Technique` fits)."""

    @property
    def id(self) -> str:
        """The technique id."""

    @property
    def retired(self) -> bool:
        """True when it is no longer in the current release."""

    @property
    def replaced_by(self) -> str | None:
        """The id that replaced it, when known."""


class AtlasLookup(Protocol):
    """What the checks need of an ATLAS catalog (`atlas.AtlasCatalog` fits)."""

    def lookup(self, tid: str) -> TechniqueInfo | None:
        """The technique with this id (active or retired), or None when unknown."""

    def current_id(self, tid: str) -> str | None:
        """The id to use today for `tid`; None when unknown or retired without successor."""

    @property
    def version(self) -> str:
        """The catalog's ATLAS release, e.g. `5.6.1`."""


_SECTIONS = ("assets", "surfaces", "threats", "controls", "red_team")


def _items(data: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, item) of the mapping items of the list `data[key]`; nothing when malformed."""
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _strings(value: Any) -> Iterator[tuple[int, str]]:
    """(index, text) of the string items of a list; nothing when not a list."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                yield index, item


def _ids(items: Sequence[tuple[int, dict[str, Any]]]) -> set[str]:
    """The string ids of the items."""
    return {item["id"] for _, item in items if isinstance(item.get("id"), str)}


class PathChecks:
    """`path_problem` of each path value under `root`, each value resolved once: a model
    cites the same evidence file many times, and models cite the same files again and
    again (resolving one touches the disk). One for a document, or one for a whole run
    (the files do not change while it runs): `check_references(paths=...)`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        """The repository root the values are relative to."""
        self._problems: dict[str, str | None] = {}
        self._not_evidence: dict[str, str | None] = {}
        self._real_root: str | None = None

    def problem(self, value: str) -> str | None:
        """`path_problem(root, value)`."""
        problems = self._problems
        if value not in problems:
            if self._real_root is None:
                self._real_root = os.path.realpath(self.root)
            problems[value] = path_problem(self.root, value, self._real_root)
        return problems[value]

    def not_evidence(self, value: str) -> str | None:
        """`not_evidence` of the file the value (one with no `problem`) names."""
        if value not in self._not_evidence:
            real = self._real_root if self._real_root is not None else os.path.realpath(self.root)
            self._real_root = real
            target = os.path.realpath(os.path.join(real, posixpath.normpath(value)))
            self._not_evidence[value] = not_evidence(real, target)
        return self._not_evidence[value]


class _Checker:
    """Collects the diagnostics of one document."""

    def __init__(self, doc: Document, paths: PathChecks) -> None:
        self.doc = doc
        self.out: list[Diagnostic] = []
        self.paths = paths
        """The path problems known (`PathChecks` of the repository root)."""

    def add(
        self, parts: Sequence[Part], message: str, code: str, level: Level = Level.ERROR
    ) -> None:
        line, column = self.doc.locate(parts)
        self.out.append(
            Diagnostic(self.doc.path, line, column, message, to_pointer(parts), level, code)
        )

    def where(self, parts: Sequence[Part]) -> str:
        return describe(self.doc.data, parts, object_only=True)

    def unique(
        self, items: Sequence[tuple[int, dict[str, Any]]], base: Part | tuple[Part, ...], noun: str
    ) -> None:
        prefix = base if isinstance(base, tuple) else (base,)
        first: dict[str, int] = {}
        for index, item in items:
            ident = item.get("id")
            if not isinstance(ident, str):
                continue
            if ident in first:
                line = self.doc.locate((*prefix, first[ident], "id"))[0]
                self.add(
                    (*prefix, index, "id"),
                    f"duplicate {noun} id '{ident}' (first used at line {line})",
                    "reference",
                )
            else:
                first[ident] = index

    def resolve(self, parts: Sequence[Part], value: str, known: Collection[str], noun: str) -> None:
        if value not in known:
            owner = self.where(parts)
            self.add(parts, f"{owner} refers to unknown {noun} '{value}'", "reference")


def _check_atlas(chk: _Checker, atlas: AtlasLookup, parts: Sequence[Part], tid: str) -> None:
    tech = atlas.lookup(tid)
    current = atlas.current_id(tid)
    if current == tid and (tech is None or not tech.retired):
        return  # the usual case: named only when there is something to say
    owner = chk.where(parts)
    if tech is None and current is None:
        chk.add(
            parts,
            f"{owner} names ATLAS technique '{tid}', which is not in the ATLAS catalog",
            "atlas",
        )
        return
    if current is not None:
        chk.add(
            parts,
            f"{owner} names ATLAS technique '{tid}', which is retired or renamed; use {current}",
            "atlas",
            Level.WARNING,
        )
    else:
        chk.add(
            parts,
            f"{owner} names ATLAS technique '{tid}', which is retired with no "
            "replacement in the catalog",
            "atlas",
            Level.WARNING,
        )


def _check_control(
    chk: _Checker, atlas: AtlasLookup, control_ids: Collection[str], parts: Sequence[Part], cid: str
) -> None:
    if cid.startswith("atlas/"):
        _check_atlas(chk, atlas, parts, cid[len("atlas/") :])
    elif control_ids and cid not in control_ids:
        chk.add(
            parts,
            f"{chk.where(parts)} names control '{cid}', which is not in the control catalogs",
            "reference",
        )
    elif isinstance(control_ids, Mapping):
        _check_judged_by(chk, parts, cid, control_ids[cid])


def _check_judged_by(chk: _Checker, parts: Sequence[Part], cid: str, judged_by: str) -> None:
    """A model scopes, waives or attests only controls it is judged on: an organisation
    control is decided once in the register; an attestation is evidence for a system
    control, never for one the checks judge."""
    if judged_by == "organisation":
        chk.add(
            parts,
            f"{chk.where(parts)} names {cid}, an organisation control: decide it once in the "
            "organisation register (`register:` of .policyengine.yaml, default "
            "governance/register.yaml), which every model inherits",
            "reference",
        )
    elif judged_by == "checks" and parts[1] == "attestations":
        chk.add(
            parts,
            f"{chk.where(parts)} attests {cid}, which checks judge: an attestation is evidence "
            "for a system control only; remove it (the checks decide this control)",
            "reference",
        )


@functools.lru_cache(maxsize=4096)
def _lexical(value: str) -> tuple[str | None, str]:
    """What is wrong with the path `value` as written (empty, absolute, leaving through
    `..`), else None, and the path normalised: the same for every model that cites it."""
    if not value:
        return "is empty", value
    if (
        PurePosixPath(value).is_absolute()
        or PureWindowsPath(value).is_absolute()
        or (PureWindowsPath(value).drive)
    ):
        return "is absolute; write it relative to the repository root", value
    normal = posixpath.normpath(value.replace("\\", "/"))
    if normal == ".." or normal.startswith("../"):
        return "leaves the repository through '..'", normal
    return None, normal


def repository_path(value: str) -> str | None:
    """The repository path a cited `value` names, normalised as the path checks read it
    (`_lexical`): `./docs/x.md`, `docs//x.md` and `docs/design/../x.md` are all `docs/x.md`,
    the one spelling git gives the file. None when `value` names no path inside the
    repository (empty, absolute, leaving through `..`: a validation error). Compare this,
    not the spelling, wherever a citation is matched with the files a change touched."""
    problem, normal = _lexical(value)
    return None if problem is not None else normal


def path_problem(root: Path, value: str, real_root: str | None = None) -> str | None:
    """Why the repo-relative `value` is not a safe path inside `root`, or None when it is.

    Absolute paths, paths whose `..` parts leave the repository and paths through a
    symlink that points outside `root` are rejected; a missing file is not a problem here.
    `real_root` is `root` resolved, when the caller has it (one model names ~60 paths).
    """
    problem, normal = _lexical(value)
    if problem is not None:
        return problem
    base = real_root if real_root is not None else os.path.realpath(root)
    # As `Path.resolve()` (non-strict), on strings: a symlink loop is an error.
    target = os.path.realpath(os.path.join(base, normal))
    try:
        os.stat(target)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "cannot be resolved (a symlink loop?)"
    except ValueError:
        pass
    inside = target == base or target.startswith(base.rstrip(os.sep) + os.sep)
    if not inside:
        return "points outside the repository through a symlink"
    return None


_KIND = re.compile(
    r"^kind:[ \t]*[\"']?(ThreatModel|OrganisationRegister)[\"']?[ \t]*(?:#.*)?$", re.MULTILINE
)
"""The top-level `kind` line of a threat model or of the organisation register."""

NOT_EVIDENCE_READ_BYTES = 1 << 14
"""How much of a cited file is read to tell a threat model or the register (the first 16 KiB)."""


def not_evidence(real_root: str, target: str) -> str | None:
    """Why the file at `target` (resolved, inside `real_root`, the repository root resolved)
    is no evidence, whatever it says, or None: a file under `.git/` (git's own, present in
    every checkout and never committed), the policyengine config, a threat model or the
    organisation register (the claims and decisions themselves, not evidence of them)."""
    rel = PurePosixPath(Path(os.path.relpath(target, real_root)).as_posix())
    if ".git" in rel.parts:
        return "is inside .git/ (git's own files, in every checkout and never committed)"
    if rel.name == CONFIG_NAME:
        return "is the policyengine config"
    try:
        with open(target, "rb") as f:
            head = f.read(NOT_EVIDENCE_READ_BYTES).decode("utf-8", errors="replace")
    except OSError:  # missing, a folder, unreadable: the evidence checks say so
        return None
    kind = _KIND.search(head)
    if kind is None:
        return None
    if kind.group(1) == "ThreatModel":
        return "is a threat model (the claims themselves, not evidence of them)"
    return "is the organisation register (decisions, not evidence of them)"


def _check_path(chk: _Checker, root: Path, parts: Sequence[Part], value: str) -> None:
    problem = chk.paths.problem(value)
    if problem is not None:
        owner = chk.where(parts)
        chk.add(parts, f"path '{value}' in {owner} {problem}", "path")
        return
    reason = chk.paths.not_evidence(value)
    if reason is not None:
        chk.add(
            parts,
            f"path '{value}' in {chk.where(parts)} {reason}; the checks treat it as missing "
            "evidence",
            "evidence",
            Level.WARNING,
        )


_NOUNS = {
    "assets": "asset",
    "surfaces": "surface",
    "threats": "threat",
    "controls": "control",
    "red_team": "red-team exercise",
}
"""How messages name an item of each section."""

_Items = list[tuple[int, dict[str, Any]]]
"""(index, item) of a section's mapping items."""


@dataclass(frozen=True)
class _Known:
    """The ids a model defines, that its references must name."""

    assets: set[str]
    """Asset ids."""
    surfaces: set[str]
    """Surface ids."""
    threats: set[str]
    """Threat ids."""
    controls: set[str]
    """The model's own control ids."""
    findings: dict[str, set[str]]
    """Red-team exercise id -> the ids of its findings."""
    naming: dict[str, set[str]]
    """`EXERCISE/FINDING` -> the threat ids its `threats` list names (a finding without
    that list is absent)."""

    @classmethod
    def of(cls, sections: Mapping[str, _Items]) -> _Known:
        """The ids defined in `sections` (from `_items` of each of `_SECTIONS`)."""
        findings: dict[str, set[str]] = {}
        naming: dict[str, set[str]] = {}
        for _, ex in sections["red_team"]:
            if isinstance(ex.get("id"), str):
                items = list(_items(ex, "findings"))
                findings.setdefault(ex["id"], set()).update(_ids(items))
                for _, finding in items:
                    if isinstance(finding.get("id"), str) and isinstance(
                        finding.get("threats"), list
                    ):
                        named = naming.setdefault(f"{ex['id']}/{finding['id']}", set())
                        named.update(str(t) for t in finding["threats"])
        return cls(
            assets=_ids(sections["assets"]),
            surfaces=_ids(sections["surfaces"]),
            threats=_ids(sections["threats"]),
            controls=_ids(sections["controls"]),
            findings=findings,
            naming=naming,
        )


def _check_assets(chk: _Checker, assets: _Items, known: _Known, root: Path) -> None:
    """Unique ingestion paths, lineage that names assets, SBOM paths inside the root."""
    for i, asset in assets:
        base = ("assets", i)
        chk.unique(
            list(_items(asset, "ingestion_paths")), (*base, "ingestion_paths"), "ingestion path"
        )
        if isinstance(asset.get("derived_from"), str):
            chk.resolve((*base, "derived_from"), asset["derived_from"], known.assets, "asset")
        for key in ("trained_on", "inputs", "outputs"):
            for j, ref in _strings(asset.get(key)):
                chk.resolve((*base, key, j), ref, known.assets, "asset")
        if isinstance(asset.get("sbom"), str):
            _check_path(chk, root, (*base, "sbom"), asset["sbom"])


def _check_surfaces(chk: _Checker, surfaces: _Items, known: _Known) -> None:
    """Unique interfaces, and the assets a surface exposes exist."""
    for i, surface in surfaces:
        base = ("surfaces", i)
        chk.unique(list(_items(surface, "interfaces")), (*base, "interfaces"), "interface")
        for j, ref in _strings(surface.get("assets")):
            chk.resolve((*base, "assets", j), ref, known.assets, "asset")


def _check_threats(chk: _Checker, threats: _Items, known: _Known, atlas: AtlasLookup) -> None:
    """A threat's surface, mitigations, ATLAS ids and validating findings exist."""
    for i, threat in threats:
        base = ("threats", i)
        if isinstance(threat.get("surface"), str):
            chk.resolve((*base, "surface"), threat["surface"], known.surfaces, "surface")
        for j, ref in _strings(threat.get("mitigations")):
            chk.resolve((*base, "mitigations", j), ref, known.controls, "control")
        for j, tid in _strings(threat.get("atlas")):
            _check_atlas(chk, atlas, (*base, "atlas", j), tid)
        validation = threat.get("validation")
        if isinstance(validation, dict):
            _check_validation(chk, base, validation, known, threat.get("id"))


def _check_validation(
    chk: _Checker,
    base: tuple[Part, ...],
    validation: dict[str, Any],
    known: _Known,
    threat_id: object,
) -> None:
    """Each `exercise/finding` a threat's validation cites names a red-team finding (an
    error otherwise); a finding whose `threats` do not name the threat is a warning: a
    result about another threat is no reason for a lower score in a pull request."""
    findings = known.findings
    for j, ref in _strings(validation.get("findings")):
        parts = (*base, "validation", "findings", j)
        exercise, _, finding_id = ref.partition("/")
        if exercise not in findings:
            chk.add(
                parts,
                f"{chk.where(base)} refers to finding '{ref}' of unknown "
                f"red-team exercise '{exercise}'",
                "reference",
            )
        elif finding_id not in findings[exercise]:
            chk.add(
                parts,
                f"{chk.where(base)} refers to unknown finding '{finding_id}' "
                f"of red-team exercise '{exercise}'",
                "reference",
            )
        elif ref in known.naming and threat_id not in known.naming[ref]:
            chk.add(
                parts,
                f"{chk.where(base)} cites finding '{ref}', which is about "
                f"{', '.join(sorted(known.naming[ref])) or 'no threat'}, not this one "
                "(add the threat to the finding's threats if it is about it too)",
                "reference",
                Level.WARNING,
            )


def _check_controls(chk: _Checker, controls: _Items, root: Path) -> None:
    """Evidence paths of the model's controls stay inside the root."""
    for i, control in controls:
        for j, path in _strings(control.get("evidence")):
            _check_path(chk, root, ("controls", i, "evidence", j), path)


def _check_red_team(
    chk: _Checker, exercises: _Items, known: _Known, atlas: AtlasLookup, root: Path
) -> None:
    """Unique findings; scope, findings' threats and ATLAS ids exist; report paths are safe."""
    for i, ex in exercises:
        base = ("red_team", i)
        items = list(_items(ex, "findings"))
        chk.unique(items, (*base, "findings"), "finding")
        scope = ex.get("scope")
        if isinstance(scope, dict):
            for j, ref in _strings(scope.get("surfaces")):
                chk.resolve((*base, "scope", "surfaces", j), ref, known.surfaces, "surface")
            for j, tid in _strings(scope.get("atlas")):
                _check_atlas(chk, atlas, (*base, "scope", "atlas", j), tid)
        for k, finding in items:
            fbase = (*base, "findings", k)
            for j, ref in _strings(finding.get("threats")):
                chk.resolve((*fbase, "threats", j), ref, known.threats, "threat")
            for j, tid in _strings(finding.get("atlas")):
                _check_atlas(chk, atlas, (*fbase, "atlas", j), tid)
        if isinstance(ex.get("report"), str):
            _check_path(chk, root, (*base, "report"), ex["report"])


def _check_compliance(
    chk: _Checker,
    compliance: Any,
    control_ids: Collection[str],
    atlas: AtlasLookup,
    root: Path,
) -> None:
    """Framework controls and ATLAS techniques named in `compliance` exist; attestation
    evidence paths are safe."""
    if not isinstance(compliance, dict):
        return
    for key in ("not_applicable", "attestations", "waivers"):
        first: dict[str, int] = {}
        for i, entry in _items(compliance, key):
            cbase: tuple[Part, ...] = ("compliance", key, i)
            if key != "attestations":
                _once(chk, key, first, i, entry)
            if isinstance(entry.get("control"), str):
                _check_control(chk, atlas, control_ids, (*cbase, "control"), entry["control"])
            if key == "not_applicable" and isinstance(entry.get("technique"), str):
                _check_atlas(chk, atlas, (*cbase, "technique"), entry["technique"])
            if key == "attestations" and isinstance(entry.get("evidence"), str):
                _check_path(chk, root, (*cbase, "evidence"), entry["evidence"])


def _once(chk: _Checker, key: str, first: dict[str, int], i: int, entry: dict[str, Any]) -> None:
    """A second waiver or `not_applicable` entry for one control or technique is an error:
    the engine honours every entry, so a second one would silently replace the first's
    expiry or reason (and a pull request comparing the first would not see it)."""
    name = entry.get("control") or entry.get("technique")
    if not isinstance(name, str):
        return
    if name not in first:
        first[name] = i
        return
    noun = "waiver" if key == "waivers" else "not_applicable entry"
    line = chk.doc.locate(("compliance", key, first[name]))[0]
    chk.add(
        ("compliance", key, i),
        f"second {noun} for {name} (the first is at line {line}): keep one entry per "
        "control or technique",
        "reference",
    )


def _check_code_links(chk: _Checker, data: dict[str, Any], assets: _Items, root: Path) -> None:
    """`metadata.x-code-paths` (the code a model is compared with, `check --code`) is a
    list of paths inside the repository; an asset's `x-code-refs` a list of names."""
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and "x-code-paths" in metadata:
        paths = metadata["x-code-paths"]
        parts: tuple[Part, ...] = ("metadata", "x-code-paths")
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            chk.add(parts, "metadata.x-code-paths must be a list of paths", "path")
        else:
            for j, path in enumerate(paths):
                _check_path(chk, root, (*parts, j), path)
    for i, asset in assets:
        refs = asset.get("x-code-refs", [])
        if not isinstance(refs, list) or not all(isinstance(r, str) and r for r in refs):
            chk.add(
                ("assets", i, "x-code-refs"),
                f"x-code-refs of {chk.where(('assets', i))} must be a list of names "
                "(the code's names for the asset)",
                "reference",
            )


def _check_atlas_version(chk: _Checker, review: Any, atlas: AtlasLookup) -> None:
    """`review.atlas_version` names a release the catalog has reached: a later one (a
    typo, or a release that does not exist) would switch the ATLAS review rule off, since
    no technique is released after it. A value that is no version is the rule's to report
    (not evaluated)."""
    version = review.get("atlas_version") if isinstance(review, dict) else None
    if version is None:
        return
    try:
        later = parse_version(str(version)) > parse_version(atlas.version)
    except CatalogError:
        return
    if later:
        chk.add(
            ("review", "atlas_version"),
            f"review.atlas_version {version} is later than the ATLAS catalog's release "
            f"{atlas.version}: set the release the threats were checked against, or "
            "import that release (policyengine atlas import)",
            "atlas",
        )


def check_references(
    doc: Document,
    *,
    root: Path,
    control_ids: Collection[str],
    atlas: AtlasLookup,
    paths: PathChecks | None = None,
) -> list[Diagnostic]:
    """Reference, uniqueness, ATLAS and path problems of `doc`, sorted by line and column.

    `control_ids` are the known framework controls (`nist-ai-rmf/MAP 1.1`, ...); when
    empty, non-ATLAS control references are not checked. When it maps each key to its
    catalog `judged_by` (`ControlCatalog.judging`), `compliance` entries are also held to
    it: an organisation control in a model is an error (the register decides it), and so
    is an attestation of a control that checks judge. `atlas/...` control ids and every
    ATLAS technique id are checked against `atlas`. `paths` are the path problems a run
    knows already (`PathChecks` of `root`; a new one for this document when None or of
    another root). Never raises for any data.
    """
    data = doc.data
    if not isinstance(data, dict):
        return []
    chk = _Checker(doc, paths if paths is not None and paths.root == root else PathChecks(root))
    sections = {name: list(_items(data, name)) for name in _SECTIONS}
    for name in _SECTIONS:
        chk.unique(sections[name], name, _NOUNS[name])
    known = _Known.of(sections)
    _check_assets(chk, sections["assets"], known, root)
    _check_surfaces(chk, sections["surfaces"], known)
    _check_threats(chk, sections["threats"], known, atlas)
    _check_controls(chk, sections["controls"], root)
    _check_red_team(chk, sections["red_team"], known, atlas, root)
    _check_compliance(chk, data.get("compliance"), control_ids, atlas, root)
    _check_code_links(chk, data, sections["assets"], root)
    _check_atlas_version(chk, data.get("review"), atlas)
    chk.out.sort(key=lambda d: (d.line, d.column, d.message))
    return chk.out
