"""Build the ATLAS applicability mapping into `policies/catalog/atlas.json`.

The source is the reviewed CSV `policies/catalog/atlas-applicability.csv`, one row per
technique and sub-technique of the ATLAS catalog:

    technique,name,layers,kinds,conditions,pre_attack,conventional,asked_under,reason,why_under

- `layers`: `;`-separated surface layers (input_output, retrieval, agentic, model, runtime);
- `kinds`: `;`-separated system kinds (generative, predictive, any);
- `conditions`: `;`-separated names from `policyengine.applicability.CONDITIONS` (any one
  holding puts the technique in scope), or empty (a surface on one of the layers does);
- `pre_attack`: `yes` exactly when every tactic of the technique is reconnaissance or
  resource development (checked against the catalog);
- `conventional`: `yes` for a technique with no AI element (ATLAS's copies of ATT&CK
  techniques): listed when in scope, never asked (the organisation's security threat model
  covers it);
- `asked_under`: empty, or the top-level technique whose threat covers this one: a later
  step of a chain, or a variant, that the defences of that technique answer (a steered
  agent's next moves under AML.T0053, the ways of delivering an injection under
  AML.T0051). The model is asked about that family instead, the technique named in the
  question. A sub-technique with an empty `asked_under` takes its parent's; its own id's
  family (`AML.T0080` for `AML.T0080.000`) asks it on its own;
- `reason`: one line in our own words (never MITRE's description): why it applies;
- `why_under`: with `asked_under`, one line saying why that technique's threat covers it.

The script checks every row against the catalog (the shipped one, or `--catalog FILE`):
the id exists and is not retired, the name is the catalog's, every active technique has a
row, values are known; then writes the mapping under the top-level key `applicability` of
`atlas.json`, leaving `framework`, `name` and `controls` untouched. `--check` writes
nothing and exits 1 when the file is not what a build would write.

Run from the repository root:
    python scripts/build_atlas_applicability.py [--catalog FILE] [--check]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from policyengine import atlas  # noqa: E402
from policyengine.applicability import (  # noqa: E402
    CONDITIONS,
    Layer,
    SystemKind,
    mapping_from_json,
)
from policyengine.errors import CatalogError  # noqa: E402

CSV_PATH = REPO / "policies" / "catalog" / "atlas-applicability.csv"
ATLAS_JSON = REPO / "policies" / "catalog" / "atlas.json"
COLUMNS = [
    "technique",
    "name",
    "layers",
    "kinds",
    "conditions",
    "pre_attack",
    "conventional",
    "asked_under",
    "reason",
    "why_under",
]
PRE_ATTACK_TACTICS = frozenset({"AML.TA0002", "AML.TA0003"})
"""Reconnaissance and Resource Development."""


class MappingError(Exception):
    """A row of the CSV does not fit the catalog or the vocabulary."""


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _row(line: int, row: dict[str, str], catalog: atlas.AtlasCatalog) -> dict[str, Any]:
    where = f"{CSV_PATH.name}:{line}"
    tid = row["technique"].strip()
    tech = catalog.lookup(tid)
    if tech is None:
        raise MappingError(f"{where}: {tid} is not in the ATLAS catalog {catalog.version}")
    if tech.retired:
        raise MappingError(f"{where}: {tid} is retired; remove its row")
    if row["name"].strip() != tech.name:
        raise MappingError(
            f"{where}: {tid} is named {tech.name!r} in the catalog, not {row['name']!r}"
        )
    layers = _split(row["layers"])
    kinds = _split(row["kinds"])
    conditions = _split(row["conditions"])
    for value, vocabulary, what in (
        (layers, {x.value for x in Layer}, "layer"),
        (kinds, {x.value for x in SystemKind}, "kind"),
        (conditions, set(CONDITIONS), "condition"),
    ):
        for item in value:
            if item not in vocabulary:
                raise MappingError(
                    f"{where}: unknown {what} {item!r} (known: {sorted(vocabulary)})"
                )
    if not layers or not kinds:
        raise MappingError(f"{where}: {tid} needs at least one layer and one kind")
    pre_attack = row["pre_attack"].strip()
    if pre_attack not in ("yes", "no"):
        raise MappingError(f"{where}: pre_attack must be yes or no, not {pre_attack!r}")
    expected = bool(tech.tactics) and set(tech.tactics) <= PRE_ATTACK_TACTICS
    if (pre_attack == "yes") != expected:
        raise MappingError(
            f"{where}: {tid} serves tactics {', '.join(tech.tactics)}: pre_attack must be "
            f"{'yes' if expected else 'no'}"
        )
    conventional = row["conventional"].strip()
    if conventional not in ("yes", "no"):
        raise MappingError(f"{where}: conventional must be yes or no, not {conventional!r}")
    reason = row["reason"].strip()
    if len(reason.split()) < 4:
        raise MappingError(f"{where}: {tid} needs a one-line reason of a few words")
    under = row["asked_under"].strip()
    why_under = row["why_under"].strip()
    if under:
        target = catalog.lookup(under)
        if target is None or target.retired or target.parent:
            raise MappingError(
                f"{where}: asked_under {under!r} is not an active top-level technique"
            )
        if len(why_under.split()) < 4:
            raise MappingError(f"{where}: {tid} is asked under {under}: say why in why_under")
    elif why_under:
        raise MappingError(f"{where}: why_under without asked_under")
    return {
        "layers": layers,
        "kinds": kinds,
        "conditions": conditions,
        "pre_attack": pre_attack == "yes",
        "conventional": conventional == "yes",
        "asked_under": under,
        "reason": reason,
        "why_under": why_under,
    }


def build(catalog: atlas.AtlasCatalog, csv_path: Path = CSV_PATH) -> dict[str, Any]:
    """The `applicability` object for `catalog` from the CSV. Raises MappingError."""
    with csv_path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            raise MappingError(f"{csv_path.name}:1: columns must be {','.join(COLUMNS)}")
        techniques: dict[str, Any] = {}
        for line, row in enumerate(reader, start=2):
            tid = row["technique"].strip()
            if tid in techniques:
                raise MappingError(f"{csv_path.name}:{line}: {tid} has a second row")
            techniques[tid] = _row(line, row, catalog)
    _check_asked_under(techniques, csv_path)
    missing = [t.id for t in catalog.active() if t.id not in techniques]
    if missing:
        raise MappingError(
            f"{csv_path.name}: no row for {len(missing)} catalog technique(s): {', '.join(missing)}"
        )
    data = {
        "description": (
            "Where each ATLAS technique lands (surface layers), the system kinds and model "
            "conditions that put it in scope, whether it is a pre-attack step, and why; built "
            "from atlas-applicability.csv by scripts/build_atlas_applicability.py and read by "
            "policyengine.applicability."
        ),
        "catalog_version": catalog.version,
        "conditions": {name: c.description for name, c in sorted(CONDITIONS.items())},
        "techniques": dict(sorted(techniques.items(), key=lambda kv: _order(kv[0]))),
    }
    mapping_from_json(data, str(csv_path))  # the reader accepts what we write
    return data


def _check_asked_under(techniques: dict[str, Any], csv_path: Path) -> None:
    """A technique is asked under a family that is asked on its own: no chains, and never
    under a pre-attack step or a conventional technique (those are never asked)."""
    for tid, row in techniques.items():
        under = row["asked_under"]
        if not under or under == tid.split(".")[0] + "." + tid.split(".")[1]:
            continue
        target = techniques.get(under)
        if target is None:
            raise MappingError(f"{csv_path.name}: {tid} is asked under {under}, which has no row")
        if target["asked_under"] and target["asked_under"] != under:
            raise MappingError(
                f"{csv_path.name}: {tid} is asked under {under}, itself asked under "
                f"{target['asked_under']}: name {target['asked_under']} instead"
            )
        if target["conventional"] or (target["pre_attack"] and not target["conditions"]):
            raise MappingError(
                f"{csv_path.name}: {tid} is asked under {under}, which is never asked"
            )


def _order(tid: str) -> list[tuple[int, str]]:
    return [(int(p), "") if p.isdigit() else (0, p) for p in tid.replace("AML.T", "").split(".")]


def render(catalog: atlas.AtlasCatalog, atlas_json: Path = ATLAS_JSON) -> str:
    """The text of `atlas_json` with the mapping written under `applicability`."""
    document = json.loads(atlas_json.read_text(encoding="utf-8"))
    document["applicability"] = build(catalog)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Build or check the mapping; exit 0 on success, 1 on a stale file, 2 on a bad CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--catalog", type=Path, help="ATLAS catalog JSON (default: the shipped one)"
    )
    parser.add_argument("--check", action="store_true", help="fail when atlas.json is stale")
    args = parser.parse_args(argv)
    try:
        catalog = atlas.load_catalog(args.catalog)
        text = render(catalog)
    except (MappingError, CatalogError) as exc:
        print(f"build_atlas_applicability: error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if ATLAS_JSON.read_text(encoding="utf-8") != text:
            print(
                f"{ATLAS_JSON.relative_to(REPO)} is stale: run "
                "python scripts/build_atlas_applicability.py",
                file=sys.stderr,
            )
            return 1
        return 0
    ATLAS_JSON.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
