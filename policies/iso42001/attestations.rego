package iso42001.attestations

import data.lib.attestation
import data.lib.result

# ISO/IEC 42001 controls that only the organisation's own documents can meet: policies,
# processes, roles, competences, communication. The threat model carries an attestation.
_attested := [
	"iso42001/A.2.2", "iso42001/A.2.3", "iso42001/A.2.4",
	"iso42001/A.3.3",
	"iso42001/A.4.6",
	"iso42001/A.5.2", "iso42001/A.5.5",
	"iso42001/A.6.1.2", "iso42001/A.6.1.3", "iso42001/A.6.2.5", "iso42001/A.6.2.8",
	"iso42001/A.7.6",
	"iso42001/A.8.3", "iso42001/A.8.4", "iso42001/A.8.5",
	"iso42001/A.9.3",
	"iso42001/A.10.4",
]

# METADATA
# description: TM-ATTEST-002 applies to every model.
not_applicable := set()

# METADATA
# title: Organisational ISO/IEC 42001 controls are attested
# description: >-
#   AI policy, reporting of concerns, competences, the impact assessment process, responsible
#   development and use objectives, deployment planning, event logging, data preparation,
#   external reporting and communication to users and customers are met by organisation
#   documents. Each needs an entry in compliance.attestations dated within the review
#   cadence whose evidence file exists. Each missing or invalid attestation is one finding
#   against its control only.
# custom:
#   id: TM-ATTEST-002
#   severity: medium
#   judges: ["compliance.attestations"]
#   message:
#     missing: "control {control} has no attestation"
#     invalid: "attestation for {control} {problem}"
#   controls:
#     iso42001: ["A.2.2", "A.2.3", "A.2.4", "A.3.3", "A.4.6", "A.5.2", "A.5.5", "A.6.1.2", "A.6.1.3", "A.6.2.5", "A.6.2.8", "A.7.6", "A.8.3", "A.8.4", "A.8.5", "A.9.3", "A.10.4"]
#   rationale: >-
#     Some ISO/IEC 42001 controls are met by organisation documents; an attestation points
#     at them and keeps them fresh.
#   hint: >-
#     Add an attestation in compliance.attestations (control, evidence file, by, date) dated
#     within the review cadence, with an evidence file that exists.
#   rule_out: >-
#     When the organisation does not hold the document, waive the control in
#     compliance.waivers with an expiry; list it in compliance.not_applicable only with a
#     reason it cannot apply.
deny contains result.each("TM-ATTEST-002", found) if {
	found := [_item(p) | some p in attestation.problems(_attested)]
	count(found) > 0
}

# One finding per problem, against the control of its attestation only.
_item(p) := result.item_control(p[0], {"message": "missing", "control": p[1]}, p[1]) if p[2] == ""

_item(p) := result.item_control(p[0], {"message": "invalid", "control": p[1], "problem": p[2]}, p[1]) if p[2] != ""
