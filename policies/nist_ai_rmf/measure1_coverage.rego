package nist_ai_rmf.measure1_coverage

# MEASURE 1 and 2.10: threats are identified against a shared taxonomy, on every surface,
# privacy is considered, and high risks are validated.

import data.lib.model
import data.lib.result

# Speed on regopy (see lib.model and lib.result): findings that grow with the threats are
# reported as one result.each batch; each check is one comprehension over the threats or
# facts.high_risk_indices, on lists bound to local variables first (regopy looks up
# `threats[i]` several times faster than `input.model.threats[i]`); no helper gets the
# model or a threat as an argument.

# METADATA
# description: Each check needs the part of the model it reads.
not_applicable contains "TM-THREAT-001" if not _has_threats

not_applicable contains "TM-THREAT-002" if not _has_surfaces

not_applicable contains "TM-THREAT-003" if not _has_io_or_retrieval

not_applicable contains "TM-EVAL-001" if count(input.facts.high_risk_indices) == 0

not_applicable contains "TM-THREAT-004" if not _has_threats

# count() of a missing list is undefined: the rule is then false.
_has_threats if count(input.model.threats) > 0

_has_surfaces if count(input.model.surfaces) > 0

# A small set, built once (lib.model.has_layer would copy the whole model on each call).
_layers := {s.layer | some s in input.model.surfaces}

_has_io_or_retrieval if "input_output" in _layers

_has_io_or_retrieval if "retrieval" in _layers

# METADATA
# title: Every threat names at least one ATLAS technique
# description: A shared taxonomy makes threats comparable, measurable and checkable for completeness.
# custom:
#   id: TM-THREAT-001
#   severity: medium
#   judges: ["threats"]
#   absent: no threat in this model
#   message: "threat {threat} names no ATLAS technique"
#   controls: {nist-ai-rmf: ["MEASURE 1.1"]}
#   rationale: >-
#     A shared taxonomy makes threats comparable and checkable for completeness.
#   hint: >-
#     Name at least one ATLAS technique in the threat's atlas list (policyengine atlas list
#     shows them).
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-THREAT-001", found) if {
	not _all_named
	threats := input.model.threats
	found := [result.item(["threats", i, "atlas"], {"threat": ["threats", i, "id"]}) |
		some i
		t := threats[i]
		count(object.get(t, "atlas", [])) == 0
	]
	count(found) > 0
}

# The usual case, every threat names a technique, on one column and one built-in call
# (a threat without the list is left out of the counts); the pass above only when it fails.
_all_named if {
	threats := input.model.threats
	counts := [count(t.atlas) | some t in threats]
	count(counts) == count(threats)
	not 0 in counts
}

# METADATA
# title: Every surface has at least one threat
# description: A surface without threats is an unmeasured risk.
# custom:
#   id: TM-THREAT-002
#   severity: medium
#   judges: ["surfaces"]
#   absent: no surface in this model
#   message: "surface {surface} has no threat"
#   controls: {nist-ai-rmf: ["MEASURE 1.1"]}
#   rationale: >-
#     A surface without threats is a risk nobody measured.
#   hint: >-
#     Add a threat on the surface, or remove the surface if the system does not have it.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-THREAT-002", found) if {
	# An array, repeats kept: each of the few surfaces tests membership once.
	threat_surfaces := [t.surface | some t in input.model.threats]
	surfaces := input.model.surfaces
	found := [result.item(["surfaces", i], {"surface": ["surfaces", i, "id"]}) |
		some i
		s := surfaces[i]
		not s.id in threat_surfaces
	]
	count(found) > 0
}

# METADATA
# title: A threat nobody measured says why
# description: >-
#   The score (likelihood x impact, TM-SCORE-001) is the metric of every threat; a threat
#   whose validation.status is untested (or that has no validation) is a risk not measured,
#   and its validation.note says why it is not, or not yet, and when it will be.
# custom:
#   id: TM-THREAT-004
#   severity: medium
#   judges: ["threats"]
#   absent: no threat in this model
#   message: "threat {threat} is untested and its validation.note does not say why it is not measured"
#   controls: {nist-ai-rmf: ["MEASURE 1.1"]}
#   rationale: >-
#     Risks that are not or cannot be measured must be documented as such, so that nobody
#     reads an untested score as a measured one.
#   hint: >-
#     Test the threat (validation.status confirmed or not_reproduced), or say in
#     validation.note why it is not measured and when it will be.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-THREAT-004", found) if {
	threats := input.model.threats
	found := [result.item(["threats", i, "validation"], {"threat": ["threats", i, "id"]}) |
		some i
		t := threats[i]
		object.get(t, ["validation", "status"], "untested") == "untested"
		not model.stated(object.get(t, "validation", {}), "note")
	]
	count(found) > 0
}

# METADATA
# title: Privacy risk is examined where users or documents feed the system
# description: >-
#   Some threat covers information disclosure (STRIDE), LLM data leakage (AML.T0057) or a
#   technique of the ATLAS Exfiltration tactic (facts.atlas.techniques[id].information_disclosure,
#   e.g. AML.T0086 exfiltration through an agent tool).
# custom:
#   id: TM-THREAT-003
#   severity: medium
#   judges: ["surfaces[layer=input_output|retrieval]"]
#   absent: no input_output or retrieval surface in this model
#   message: "no threat covers information disclosure, AML.T0057 data leakage or an ATLAS exfiltration technique"
#   controls: {nist-ai-rmf: ["MEASURE 2.10"]}
#   rationale: >-
#     Systems that take users' text or documents can leak them.
#   hint: >-
#     Add a threat covering information disclosure (stride) or LLM data leakage (AML.T0057).
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	_has_io_or_retrieval

	# The cheap test first: the threats are read only when no threat names AML.T0057.
	not "AML.T0057" in input.facts.atlas.mentioned
	not _names_exfiltration
	not "information_disclosure" in [s | some t in input.model.threats; some s in t.stride]
	finding := result.finding("TM-THREAT-003", ["threats"], {})
}

# A threat names a technique of the ATLAS Exfiltration tactic (Python flags it in the facts).
_names_exfiltration if {
	techniques := input.facts.atlas.techniques
	some tid in input.facts.atlas.mentioned
	techniques[tid].information_disclosure == true
}

# METADATA
# title: Every threat at or above the risk threshold has been validated
# description: Testing whether high risks are real (confirmed or not reproduced) checks the controls against them.
# custom:
#   id: TM-EVAL-001
#   severity: medium
#   judges: ["threats"]
#   absent: no threat at or above the risk threshold in this model
#   message: "threat {threat} (risk {risk}) has not been validated"
#   controls: {nist-ai-rmf: ["MEASURE 1.2"], iso42001: ["9.1", "A.6.2.4"]}
#   rationale: >-
#     A high risk that nobody tested may be worse, or better, than its score.
#   hint: >-
#     Run a red-team test or evaluation of the threat and record validation.status
#     (confirmed or not_reproduced) with the findings it produced.
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains result.each("TM-EVAL-001", found) if {
	threats := input.model.threats
	risks := input.facts.threat_risks
	found := [result.item(["threats", i, "validation"], {"threat": ["threats", i, "id"], "risk": risks[i]}) |
		# A bound index is a cheap lookup in both arrays (see lib.model).
		some i in input.facts.high_risk_indices
		t := threats[i]

		# Not validated, also without a status: `not x in set` would be false on OPA
		# when x is undefined (OPA evaluates the argument outside the negation).
		not t.validation.status == "confirmed"
		not t.validation.status == "not_reproduced"
	]
	count(found) > 0
}
