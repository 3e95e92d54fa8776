package nist_ai_rmf.measure1_coverage

# MEASURE 1 and 2.10: threats are identified against a shared taxonomy, on every surface,
# privacy is considered, and high risks are validated.

import data.lib.model
import data.lib.result

# Lists are read by reference, never copied (see lib.model).

# METADATA
# description: Each check needs the part of the model it reads.
not_applicable contains "TM-THREAT-001" if count([1 | some _ in input.model.threats]) == 0

not_applicable contains "TM-THREAT-002" if count([1 | some _ in input.model.surfaces]) == 0

not_applicable contains "TM-THREAT-003" if {
	not model.has_layer(input.model, "input_output")
	not model.has_layer(input.model, "retrieval")
}

not_applicable contains "TM-EVAL-001" if count(input.facts.high_risk_indices) == 0

# Each check first keeps, in one comprehension, the threats it may report (see lib.model).

_without_atlas := [i | some i; t := input.model.threats[i]; count(object.get(t, "atlas", [])) == 0]

_threat_surfaces := [t.surface | some t in input.model.threats]

# The indices of the threats at or above the risk threshold that have not been validated.
_unvalidated_high_risks := [i | some i in input.facts.high_risk_indices; not _validated(input.model.threats[i])]

_validated(t) if object.get(t, ["validation", "status"], "untested") in {"confirmed", "not_reproduced"}

# METADATA
# title: Every threat names at least one ATLAS technique
# description: A shared taxonomy makes threats comparable, measurable and checkable for completeness.
# custom:
#   id: TM-THREAT-001
#   severity: medium
#   controls: {nist-ai-rmf: ["MEASURE 1.1"]}
deny contains result.each("TM-THREAT-001", found) if {
	found := [result.at(sprintf("threat %s names no ATLAS technique", [t.id]), ["threats", i, "atlas"]) |
		some i in _without_atlas
		t := input.model.threats[i]
	]
	count(found) > 0
}

# METADATA
# title: Every surface has at least one threat
# description: A surface without threats is an unmeasured risk.
# custom:
#   id: TM-THREAT-002
#   severity: medium
#   controls: {nist-ai-rmf: ["MEASURE 1.1"]}
deny contains result.each("TM-THREAT-002", found) if {
	found := [result.at(sprintf("surface %s has no threat", [s.id]), ["surfaces", i]) |
		some i
		s := input.model.surfaces[i]
		not s.id in _threat_surfaces
	]
	count(found) > 0
}

# METADATA
# title: Privacy risk is examined where users or documents feed the system
# description: Some threat covers information disclosure (STRIDE) or LLM data leakage (AML.T0057).
# custom:
#   id: TM-THREAT-003
#   severity: medium
#   controls: {nist-ai-rmf: ["MEASURE 2.10"]}
deny contains finding if {
	not "TM-THREAT-003" in not_applicable
	not _privacy_examined
	finding := result.deny("TM-THREAT-003", "no threat covers information disclosure or AML.T0057 data leakage", ["threats"])
}

_privacy_examined if count([t | some t in input.model.threats; "information_disclosure" in object.get(t, "stride", [])]) > 0

_privacy_examined if "AML.T0057" in input.facts.atlas.mentioned

# METADATA
# title: Every threat with risk 10 or more has been validated
# description: Testing whether high risks are real (confirmed or not reproduced) checks the controls against them.
# custom:
#   id: TM-EVAL-001
#   severity: medium
#   controls: {nist-ai-rmf: ["MEASURE 1.2"], iso42001: ["9.1"]}
deny contains result.each("TM-EVAL-001", found) if {
	found := [result.at(msg, ["threats", i, "validation"]) |
		some i in _unvalidated_high_risks
		t := input.model.threats[i]
		msg := sprintf("threat %s (risk %d) has not been validated", [t.id, input.facts.threat_risks[i]])
	]
	count(found) > 0
}
