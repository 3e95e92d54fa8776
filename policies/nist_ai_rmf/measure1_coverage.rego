package nist_ai_rmf.measure1_coverage

# MEASURE 1 and 2.10: threats are identified against a shared taxonomy, on every surface,
# privacy is considered, and high risks are validated.

import data.lib.model
import data.lib.result

_threats := object.get(input.model, "threats", [])

_surfaces := object.get(input.model, "surfaces", [])

# METADATA
# description: Each check needs the part of the model it reads.
not_applicable contains "TM-THREAT-001" if count(_threats) == 0

not_applicable contains "TM-THREAT-002" if count(_surfaces) == 0

not_applicable contains "TM-THREAT-003" if {
	not model.has_layer(input.model, "input_output")
	not model.has_layer(input.model, "retrieval")
}

not_applicable contains "TM-EVAL-001" if count([t | some t in _threats; model.high_risk(input.facts, t)]) == 0

# METADATA
# title: Every threat names at least one ATLAS technique
# description: A shared taxonomy makes threats comparable, measurable and checkable for completeness.
# custom:
#   id: TM-THREAT-001
#   severity: medium
#   controls: {nist-ai-rmf: ["MEASURE 1.1"]}
deny contains finding if {
	some i, t in _threats
	count(object.get(t, "atlas", [])) == 0
	finding := result.deny("TM-THREAT-001", sprintf("threat %s names no ATLAS technique", [t.id]), ["threats", i, "atlas"])
}

# METADATA
# title: Every surface has at least one threat
# description: A surface without threats is an unmeasured risk.
# custom:
#   id: TM-THREAT-002
#   severity: medium
#   controls: {nist-ai-rmf: ["MEASURE 1.1"]}
deny contains finding if {
	some i, s in _surfaces
	count([t | some t in _threats; t.surface == s.id]) == 0
	finding := result.deny("TM-THREAT-002", sprintf("surface %s has no threat", [s.id]), ["surfaces", i])
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

_privacy_examined if {
	some t in _threats
	"information_disclosure" in object.get(t, "stride", [])
}

_privacy_examined if model.mentions_technique(input.model, "AML.T0057")

# METADATA
# title: Every threat with risk 10 or more has been validated
# description: Testing whether high risks are real (confirmed or not reproduced) checks the controls against them.
# custom:
#   id: TM-EVAL-001
#   severity: medium
#   controls: {nist-ai-rmf: ["MEASURE 1.2"]}
deny contains finding if {
	some i, t in _threats
	model.high_risk(input.facts, t)
	not object.get(t, ["validation", "status"], "untested") in {"confirmed", "not_reproduced"}
	msg := sprintf("threat %s (risk %d) has not been validated", [t.id, model.threat_risk(input.facts, t)])
	finding := result.deny("TM-EVAL-001", msg, ["threats", i, "validation"])
}
