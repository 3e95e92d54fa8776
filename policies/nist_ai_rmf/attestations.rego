package nist_ai_rmf.attestations

# The NIST AI RMF subcategories that system-specific evidence shows (catalog judged_by:
# system): the system's business case and requirements, its evaluation reports, its
# privacy assessment, its monitoring results. The organisation-wide subcategories are
# decided once in the organisation register (policyengine.register), never in a model.

import data.lib.attestation
import data.lib.result

# The catalog keys of the controls listed in the METADATA below (kept equal by tests/test_catalog.py).
# An array: a set of strings already costs regopy ~0.5 ms to build.
_attested := [
	"nist-ai-rmf/MAP 1.4",
	"nist-ai-rmf/MAP 1.6",
	"nist-ai-rmf/MAP 3.1",
	"nist-ai-rmf/MAP 3.2",
	"nist-ai-rmf/MEASURE 2.2",
	"nist-ai-rmf/MEASURE 2.3",
	"nist-ai-rmf/MEASURE 2.5",
	"nist-ai-rmf/MEASURE 2.6",
	"nist-ai-rmf/MEASURE 2.9",
	"nist-ai-rmf/MEASURE 2.10",
	"nist-ai-rmf/MEASURE 2.11",
	"nist-ai-rmf/MEASURE 4.3",
]

# METADATA
# description: The attestation check applies to every model.
not_applicable := set()

# METADATA
# title: System evidence for the NIST AI RMF subcategories is cited
# description: >-
#   Business value and requirements (MAP 1.4, 1.6), benefits and costs (MAP 3.1, 3.2),
#   evaluation results (MEASURE 2.2, 2.3, 2.5, 2.6, 2.9, 2.11), the privacy assessment
#   (MEASURE 2.10) and monitoring results (MEASURE 4.3) are documents about this system. Each
#   needs an entry in compliance.attestations dated within the review cadence whose
#   evidence file exists and names the model (its metadata.id). A met control reads
#   `attested`: evidence is cited, no check verified it.
# custom:
#   id: TM-ATTEST-001
#   severity: medium
#   judges: ["compliance.attestations"]
#   message:
#     missing: "control {control} has no evidence"
#     invalid: "evidence for {control} {problem}"
#   controls:
#     nist-ai-rmf: ["MAP 1.4", "MAP 1.6", "MAP 3.1", "MAP 3.2", "MEASURE 2.2", "MEASURE 2.3",
#       "MEASURE 2.5", "MEASURE 2.6", "MEASURE 2.9", "MEASURE 2.10", "MEASURE 2.11", "MEASURE 4.3"]
#   rationale: >-
#     These outcomes live in documents about one system (its evaluation reports, its privacy
#     assessment); the model points at them, they name the model, and the date keeps them fresh.
#   hint: >-
#     Add an entry in compliance.attestations (control, evidence file, by, date) dated within
#     the review cadence, citing a file that exists and mentions the model's metadata.id.
#   rule_out: >-
#     Waive the control in compliance.waivers with an expiry while the evidence is made;
#     list it in compliance.not_applicable only with a reason it cannot apply to this system.
deny contains result.each("TM-ATTEST-001", found) if {
	found := [_item(p) | some p in attestation.problems(_attested)]
	count(found) > 0
}

# One finding per problem, against the control of its attestation only.
_item(p) := result.item_control(p[0], {"message": "missing", "control": p[1]}, p[1]) if p[2] == ""

_item(p) := result.item_control(p[0], {"message": "invalid", "control": p[1], "problem": p[2]}, p[1]) if p[2] != ""
