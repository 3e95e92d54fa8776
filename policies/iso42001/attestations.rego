package iso42001.attestations

import data.lib.attestation
import data.lib.result

# ISO/IEC 42001 controls that system-specific evidence shows (catalog judged_by: system):
# the impact assessment of this system (6.1.4, 8.4, A.5.3, A.5.4, A.5.5) and its deployment
# (release) plan (A.6.2.5). The organisation-wide controls are decided once in the
# organisation register (policyengine.register), never in a model.
_attested := [
	"iso42001/6.1.4", "iso42001/8.4",
	"iso42001/A.5.3", "iso42001/A.5.4", "iso42001/A.5.5",
	"iso42001/A.6.2.5",
]

# METADATA
# description: TM-ATTEST-002 applies to every model.
not_applicable := set()

# METADATA
# title: The system's impact assessment and release plan are cited
# description: >-
#   A referenced, dated impact assessment of this system (6.1.4, 8.4, A.5.3, A.5.4, A.5.5) and
#   its deployment plan (A.6.2.5): each control needs an entry in compliance.attestations
#   dated within the review cadence whose evidence file exists and names the model (its
#   metadata.id). A threat list alone is not an impact assessment. A met control reads
#   `attested`: evidence is cited, no check verified it.
# custom:
#   id: TM-ATTEST-002
#   severity: medium
#   judges: ["compliance.attestations"]
#   message:
#     missing: "control {control} has no evidence"
#     invalid: "evidence for {control} {problem}"
#   controls:
#     iso42001: ["6.1.4", "8.4", "A.5.3", "A.5.4", "A.5.5", "A.6.2.5"]
#   rationale: >-
#     An impact assessment and a release plan are documents about one system; the model
#     points at them, they name the model, and the date keeps them fresh.
#   hint: >-
#     Add an entry in compliance.attestations (control, evidence file, by, date) dated within
#     the review cadence, citing a file that exists and mentions the model's metadata.id.
#   rule_out: >-
#     Waive the control in compliance.waivers with an expiry while the assessment is made;
#     list it in compliance.not_applicable only with a reason it cannot apply to this system.
deny contains result.each("TM-ATTEST-002", found) if {
	found := [_item(p) | some p in attestation.problems(_attested)]
	count(found) > 0
}

# One finding per problem, against the control of its attestation only.
_item(p) := result.item_control(p[0], {"message": "missing", "control": p[1]}, p[1]) if p[2] == ""

_item(p) := result.item_control(p[0], {"message": "invalid", "control": p[1], "problem": p[2]}, p[1]) if p[2] != ""
