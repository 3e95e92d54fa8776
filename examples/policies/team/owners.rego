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
#   judges: ["threats"]
#   absent: no threat with risk 15 or more in this model
#   controls: {nist-ai-rmf: ["MEASURE 3.1"]}
#   message: "threat {threat} (risk {risk}) names no owner"
#   rationale: >-
#     Severe threats need someone to follow them up between reviews.
#   hint: >-
#     Name the threat's owner (a person, team or role).
#   rule_out: >-
#     Waive the control in compliance.waivers (control, reason, approved_by, expires) while
#     the fix is scheduled, or list the control in compliance.not_applicable with a reason
#     when it cannot apply to this system.
deny contains finding if {
	some i in _severe
	t := input.model.threats[i]
	not model.stated(t, "owner")
	params := {"threat": ["threats", i, "id"], "risk": input.facts.threat_risks[i]}
	finding := result.finding("TM-TEAM-001", ["threats", i, "owner"], params)
}

not_applicable contains "TM-TEAM-001" if count(_severe) == 0

# The indices of the threats at or above our risk. facts.threat_risks[i] is the risk of
# threats[i], computed by policyengine; one index per threat, read by reference (on the
# embedded engine a function given input.facts copies it on every call).
_severe := [i |
	some i # regopy does not compile "some i, risk in" inside a comprehension
	risk := input.facts.threat_risks[i]
	risk >= _severe_risk
]

# Few severe threats are expected, so each finding is its own element; a check that may
# report once per threat of a large model builds them with lib.result.each instead
# (policies/README.md).
