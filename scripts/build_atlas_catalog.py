"""Build the shipped ATLAS catalog (`policyengine/data/atlas-catalog.json`).

Facts only, no descriptions. Sources, in `tests/data/atlas/` of this repository by default
(copied there with MITRE's Apache-2.0 licence; see its SOURCE.md):

- `atlas_tactics.csv`, `atlas_techniques.csv`: id, name, parent, tactic ids (a
  sub-technique's are its parent's), maturity, first release (`<=3.0.0` = already in
  the first tracked release) and former names (`;`-separated) of every current id;
- `atlas_retired.csv`: retired ids with their last name, the release that dropped
  them and their replacement. A retired id that no release lists as new in
  `atlas_versions.csv` was already in the first tracked release (`<=3.0.0`); its
  tactics and maturity are not in the sources and stay empty;
- `ATLAS-5.6.1.yaml`: the MITRE release, cross-checked against the CSVs (the same
  ids, names, parents, tactics, maturity and tactic order); it states `version: 5.6.0`
  since 5.6.1 added no ids, so the catalog version is given here.

Run from the repository root:
    python scripts/build_atlas_catalog.py [RELEASE] [--reference DIR] [--check]
RELEASE is the MITRE release file to cross-check against (default: ATLAS-5.6.1.yaml in the
reference folder); --reference is the folder of the fact CSVs (default: tests/data/atlas).
`--check` fails (exit 1) when the shipped file differs from a fresh build.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from types import MappingProxyType

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from policyengine import atlas  # noqa: E402

CATALOG_VERSION = "5.6.1"
RELEASE_FILE = "ATLAS-5.6.1.yaml"
DEFAULT_REFERENCE = REPO / "tests" / "data" / "atlas"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


def build(reference: Path, release: Path | None = None) -> atlas.AtlasCatalog:
    """The catalog from the reference CSVs in `reference`, cross-checked against the 5.6.1
    release file (`release`, default `reference/ATLAS-5.6.1.yaml`)."""
    tactics = {
        r["tactic_id"]: atlas.Tactic(
            id=r["tactic_id"],
            name=r["name"],
            order=int(r["matrix_order"]),
            first_release=r["first_release_version"],
        )
        for r in _rows(reference / "atlas_tactics.csv")
    }
    techniques = {
        r["technique_id"]: atlas.Technique(
            id=r["technique_id"],
            name=r["name"],
            parent=r["parent_id"] or None,
            tactics=_split(r["tactic_ids"]),
            maturity=r["maturity"],
            first_release=r["first_release_version"],
            former_names=_split(r["former_names"]),
        )
        for r in _rows(reference / "atlas_techniques.csv")
    }
    listed_new = {
        tid
        for r in _rows(reference / "atlas_versions.csv")
        for tid in _split(r["new_technique_ids"])
    }
    for r in _rows(reference / "atlas_retired.csv"):
        tid = r["technique_id"]
        if tid in techniques:
            raise SystemExit(f"{tid} is both current and retired in the reference CSVs")
        if tid in listed_new:
            raise SystemExit(f"{tid}: retired, first release unknown; extend this script")
        techniques[tid] = atlas.Technique(
            id=tid,
            name=r["last_name"],
            parent=tid.rsplit(".", 1)[0] if tid.count(".") == 2 else None,
            tactics=(),
            maturity="",
            first_release="<=3.0.0",
            retired=True,
            retired_in=r["retired_in_version"],
            replaced_by=r["replaced_by"] or None,
        )
    catalog = atlas.AtlasCatalog(
        version=CATALOG_VERSION,
        tactics=MappingProxyType(dict(sorted(tactics.items()))),
        techniques=MappingProxyType(dict(sorted(techniques.items()))),
    )
    release_file = release if release is not None else reference / RELEASE_FILE
    _cross_check(catalog, atlas.catalog_from_release(release_file, CATALOG_VERSION))
    return catalog


def _cross_check(catalog: atlas.AtlasCatalog, release: atlas.AtlasCatalog) -> None:
    problems: list[str] = []
    if {t.id for t in catalog.active()} != set(release.techniques):
        problems.append("technique ids differ from the release")
    if set(catalog.tactics) != set(release.tactics):
        problems.append("tactic ids differ from the release")
    for tid, rel in release.techniques.items():
        ours = catalog.techniques.get(tid)
        if ours is None:
            continue
        problems.extend(
            f"{tid}.{name}: {getattr(ours, name)!r} != {getattr(rel, name)!r}"
            for name in ("name", "parent", "tactics", "maturity")
            if getattr(ours, name) != getattr(rel, name)
        )
    for tid, rel_tactic in release.tactics.items():
        ours_tactic = catalog.tactics.get(tid)
        if ours_tactic is not None and (ours_tactic.name, ours_tactic.order) != (
            rel_tactic.name,
            rel_tactic.order,
        ):
            problems.append(f"{tid}: name/order differ from the release")
    problems.extend(
        f"{tech.id}: replacement {tech.replaced_by} is not active"
        for tech in catalog.techniques.values()
        if tech.replaced_by is not None and catalog.current_id(tech.id) != tech.replaced_by
    )
    if problems:
        raise SystemExit("the reference CSVs and the release disagree:\n  " + "\n  ".join(problems))


def main() -> int:
    """Build (or with --check, verify) the shipped catalog; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "release", type=Path, nargs="?", default=None, help="the MITRE ATLAS release file"
    )
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE, help="fact CSVs")
    parser.add_argument("--check", action="store_true", help="verify, do not write")
    args = parser.parse_args()
    catalog = build(args.reference, args.release)
    if args.check:
        current = atlas.SHIPPED_CATALOG.read_text(encoding="utf-8")
        if current != atlas.dumps_catalog(catalog):
            print(f"{atlas.SHIPPED_CATALOG} is out of date; rerun without --check")
            return 1
        return 0
    atlas.save_catalog(catalog, atlas.SHIPPED_CATALOG)
    print(
        f"wrote {atlas.SHIPPED_CATALOG.relative_to(REPO)}: ATLAS {catalog.version}, "
        f"{len(catalog.tactics)} tactics, {len(catalog.techniques)} techniques"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
