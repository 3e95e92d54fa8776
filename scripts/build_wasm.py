"""Compile the bundled policy set into `policyengine/data/policies.wasm` with OPA.

Writes the module and `policies.wasm.json` beside it: the digest of the policy set it was
built from (`PolicySet.digest`), the module's sha256 and the OPA version; and
`policies.metadata.json`, the set's METADATA blocks parsed (`policyset.METADATA_TABLE`), so
that a run does not parse them again. Tests rebuild both and fail when a shipped one is
stale; run this after changing `policies/`.

Usage: python scripts/build_wasm.py [OPA_BINARY]   (default: $POLICYENGINE_OPA or opa)
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

from policyengine.bundled import policies_dir
from policyengine.engine.wasm import SHIPPED_MODULE, build_module
from policyengine.policyset import (
    METADATA_TABLE,
    load_policy_set,
    metadata_table,
    write_metadata_table,
)

OPA_VERSION = "1.22.3"
"""The OPA release the shipped module is built with."""


def main() -> int:
    """Build and write the module and its record; 2 when OPA is not the pinned version."""
    opa = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("POLICYENGINE_OPA", "opa")
    version = subprocess.run([opa, "version"], capture_output=True, text=True, check=True)
    if f"Version: {OPA_VERSION}" not in version.stdout:
        print(f"build_wasm: {opa} is not OPA {OPA_VERSION}", file=sys.stderr)
        return 2
    policy_set = load_policy_set([policies_dir()], metadata={})  # parsed, not the table
    data = build_module(policy_set, opa)
    SHIPPED_MODULE.write_bytes(data)
    record = {
        "policy_digest": policy_set.digest,
        "sha256": hashlib.sha256(data).hexdigest(),
        "opa_version": OPA_VERSION,
    }
    SHIPPED_MODULE.with_suffix(".wasm.json").write_text(
        json.dumps(record, indent=2) + "\n", encoding="utf-8"
    )
    write_metadata_table(metadata_table(policy_set.modules.values()))
    print(f"build_wasm: wrote {SHIPPED_MODULE} ({len(data)} bytes)", file=sys.stderr)
    print(f"build_wasm: wrote {METADATA_TABLE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
