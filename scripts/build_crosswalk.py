"""Writes policies/catalog/crosswalk.json from the bundled checks' METADATA.

Run after changing any check's `custom.controls`; tests/test_crosswalk.py fails until the
file is in step.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from policyengine.catalog import crosswalk  # noqa: E402
from policyengine.policyset import load_policy_set  # noqa: E402

TARGET = REPO / "policies" / "catalog" / "crosswalk.json"


def render() -> str:
    """The crosswalk file's text for the policies in this checkout."""
    checks = load_policy_set([REPO / "policies"]).checks
    doc = crosswalk({cid: meta.controls for cid, meta in checks.items()})
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(REPO)}", file=sys.stderr)
