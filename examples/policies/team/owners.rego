package team.owners

# Our risk policy: a threat scored 15 or more (likelihood x impact) has a named owner who
# reports on it to the monthly risk meeting until it is mitigated, transferred or accepted.

import data.lib.model
import data.lib.result

# The risk at or above which our policy asks for a named threat owner.
_severe_risk := 15

# METADATA
# title: Every threat with risk 15 or more names its owner
# description: >-
#   Severe threats are tracked by a named owner between reviews. A threat whose risk
#   (likelihood x impact) is 15 or more states owner (a person, team or role).
# custom:
#   id: TM-TEAM-001
#   severity: medium
#   controls: {nist-ai-rmf: ["MEASURE 3.1"]}
deny contains finding if {
	some i, t in input.model.threats
	_severe(t)
	not model.stated(t, "owner")
	msg := sprintf("threat %s (risk %d) names no owner", [t.id, model.threat_risk(input.facts, t)])
	finding := result.deny("TM-TEAM-001", msg, ["threats", i, "owner"])
}

not_applicable contains "TM-TEAM-001" if {
	not _has_severe
}

_has_severe if {
	some t in object.get(input.model, "threats", [])
	_severe(t)
}

_severe(t) if model.threat_risk(input.facts, t) >= _severe_risk
