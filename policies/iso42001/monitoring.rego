package iso42001.monitoring

import data.lib.result

# Validation results that show a threat was tested.
_tested := {"confirmed", "not_reproduced"}

# METADATA
# title: The system was evaluated by a red-team exercise in the last year
# description: >-
#   Monitoring and evaluation of an AI system's security includes adversarial testing:
#   at least one red-team exercise is dated within 365 days before the as-of date.
# custom:
#   id: TM-ISO-050
#   severity: high
#   controls: {iso42001: ["9.1", "A.6.2.4"]}
deny contains finding if {
	not _recent_exercise
	finding := result.deny("TM-ISO-050", "no red-team exercise is dated within 365 days of the as-of date", ["red_team"])
}

# METADATA
# title: High-risk threats marked mitigated have been validated
# description: >-
#   A mitigation is measured, not assumed. Every threat with risk (likelihood x impact) of
#   10 or more and status mitigated has validation.status confirmed or not_reproduced.
# custom:
#   id: TM-ISO-052
#   severity: medium
#   controls: {iso42001: ["9.1"]}
deny contains finding if {
	some i, threat in input.model.threats
	_claimed_mitigated(threat)
	not object.get(threat, ["validation", "status"], "untested") in _tested
	msg := sprintf("threat %s (risk %d) is marked mitigated but its mitigation was never validated", [threat.id, input.facts.threats[threat.id].risk])
	finding := result.deny("TM-ISO-052", msg, ["threats", i, "validation"])
}

not_applicable contains "TM-ISO-052" if {
	not _some_claimed_mitigated
}

_recent_exercise if {
	some exercise in input.model.red_team
	age := input.facts.red_team[exercise.id].age_days
	age >= 0
	age <= 365
}

_claimed_mitigated(threat) if {
	threat.status == "mitigated"
	input.facts.threats[threat.id].risk >= 10
}

_some_claimed_mitigated if {
	some threat in input.model.threats
	_claimed_mitigated(threat)
}
