package nist_ai_rmf.attestations

# The NIST AI RMF subcategories that only organisation documents can show
# (policies/catalog/COVERAGE.md says why), each met by a valid attestation.

import data.lib.attestation
import data.lib.result

# The catalog keys of the controls listed in the METADATA below (kept equal by tests/test_catalog.py).
# An array: a set of 23 strings already costs regopy ~0.5 ms to build.
_attested := [
	"nist-ai-rmf/MAP 1.2",
	"nist-ai-rmf/MAP 1.3",
	"nist-ai-rmf/MAP 1.4",
	"nist-ai-rmf/MAP 1.6",
	"nist-ai-rmf/MAP 2.3",
	"nist-ai-rmf/MAP 3.1",
	"nist-ai-rmf/MAP 3.2",
	"nist-ai-rmf/MAP 3.4",
	"nist-ai-rmf/MAP 5.2",
	"nist-ai-rmf/MEASURE 2.2",
	"nist-ai-rmf/MEASURE 2.3",
	"nist-ai-rmf/MEASURE 2.5",
	"nist-ai-rmf/MEASURE 2.6",
	"nist-ai-rmf/MEASURE 2.8",
	"nist-ai-rmf/MEASURE 2.9",
	"nist-ai-rmf/MEASURE 2.11",
	"nist-ai-rmf/MEASURE 2.12",
	"nist-ai-rmf/MEASURE 2.13",
	"nist-ai-rmf/MEASURE 3.2",
	"nist-ai-rmf/MEASURE 3.3",
	"nist-ai-rmf/MEASURE 4.1",
	"nist-ai-rmf/MEASURE 4.2",
	"nist-ai-rmf/MEASURE 4.3",
]

# METADATA
# description: The attestation check applies to every model.
not_applicable := set()

# METADATA
# title: Organisation-level subcategories are attested
# description: Each has an attestation dated within the review cadence whose evidence file exists.
# custom:
#   id: TM-ATTEST-001
#   severity: medium
#   judges: ["compliance.attestations"]
#   message:
#     missing: "control {control} has no attestation"
#     invalid: "attestation for {control} {problem}"
#   controls:
#     nist-ai-rmf: ["MAP 1.2", "MAP 1.3", "MAP 1.4", "MAP 1.6", "MAP 2.3", "MAP 3.1", "MAP 3.2",
#       "MAP 3.4", "MAP 5.2", "MEASURE 2.2", "MEASURE 2.3", "MEASURE 2.5", "MEASURE 2.6",
#       "MEASURE 2.8", "MEASURE 2.9", "MEASURE 2.11", "MEASURE 2.12", "MEASURE 2.13",
#       "MEASURE 3.2", "MEASURE 3.3", "MEASURE 4.1", "MEASURE 4.2", "MEASURE 4.3"]
#   rationale: >-
#     Some NIST AI RMF outcomes live in organisation documents, not in a threat model; an
#     attestation points at them and keeps them fresh.
#   hint: >-
#     Add an attestation in compliance.attestations (control, evidence file, by, date) dated
#     within the review cadence, with an evidence file that exists.
#   rule_out: >-
#     When the organisation does not hold the document, waive the control in
#     compliance.waivers with an expiry; list it in compliance.not_applicable only with a
#     reason it cannot apply.
deny contains result.each("TM-ATTEST-001", found) if {
	found := [_item(p) | some p in attestation.problems(_attested)]
	count(found) > 0
}

# One finding per problem, against the control of its attestation only.
_item(p) := result.item_control(p[0], {"message": "missing", "control": p[1]}, p[1]) if p[2] == ""

_item(p) := result.item_control(p[0], {"message": "invalid", "control": p[1], "problem": p[2]}, p[1]) if p[2] != ""
