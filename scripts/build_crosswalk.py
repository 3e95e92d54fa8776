"""Writes policies/catalog/crosswalk.json: the published NIST AI RMF to ISO/IEC 42001 pairs
(policies/catalog/reference/nist_iso42001_crosswalk.csv) and, labelled apart, the pairs the
bundled checks' METADATA evidences together.

Run after changing the CSV or any check's `custom.controls`; tests/test_crosswalk.py fails
until the file is in step.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from policyengine.catalog import crosswalk  # noqa: E402
from policyengine.policyset import load_policy_set  # noqa: E402

TARGET = REPO / "policies" / "catalog" / "crosswalk.json"
PUBLISHED = REPO / "policies" / "catalog" / "reference" / "nist_iso42001_crosswalk.csv"


def published_rows() -> list[dict[str, str]]:
    """The rows of the published crosswalk CSV."""
    with PUBLISHED.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def render() -> str:
    """The crosswalk file's text for the policies in this checkout."""
    checks = load_policy_set([REPO / "policies"]).checks
    # A guard (custom.guard) evidences nothing: hollow text fails its controls, substantive
    # text shows none of them, so it pairs no controls; a guard of some of its controls
    # pairs only the others.
    evidence = {
        cid: shown
        for cid, meta in checks.items()
        if (
            shown := {
                fw: tuple(c for c in ids if meta.evidences(f"{fw}/{c}"))
                for fw, ids in meta.controls.items()
                if any(meta.evidences(f"{fw}/{c}") for c in ids)
            }
        )
    }
    doc = crosswalk(evidence, published_rows())
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(REPO)}", file=sys.stderr)
