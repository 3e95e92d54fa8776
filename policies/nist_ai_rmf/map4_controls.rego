package nist_ai_rmf.map4_controls

# MAP 4.2 and MEASURE 2.4: the controls a threat relies on are in place, and something watches production.

import data.lib.result

# Lists are read by reference, never copied, and the threats are filtered in
# comprehensions, not rule bodies (see lib.model).

_controls := {c.id: c | some c in input.model.controls}

_mitigated := [i | some i; t := input.model.threats[i]; t.status == "mitigated"]

# [threat index, mitigation index, control status] of each control a mitigated threat
# relies on that is not in place.
_relied_on_not_in_place := [[i, j, status] |
	some i in _mitigated
	some j
	cid := input.model.threats[i].mitigations[j]
	status := _controls[cid].status
	not status in {"implemented", "verified"}
]

# METADATA
# description: TM-CTRL-001 needs a threat marked mitigated.
not_applicable contains "TM-CTRL-001" if count(_mitigated) == 0

# METADATA
# title: Threats marked mitigated rely only on controls in place
# description: A threat is not mitigated while one of its controls is still planned.
# custom:
#   id: TM-CTRL-001
#   severity: high
#   controls: {nist-ai-rmf: ["MAP 4.2", "MEASURE 1.2"], iso42001: ["8.3"]}
deny contains finding if {
	# Not "some [i, j, status] in": regopy then scans every threat for each entry.
	some entry in _relied_on_not_in_place
	i := entry[0]
	j := entry[1]
	t := input.model.threats[i]
	cid := t.mitigations[j]
	msg := sprintf("threat %s is marked mitigated but control %s is %s", [t.id, cid, entry[2]])
	finding := result.deny("TM-CTRL-001", msg, ["threats", i, "mitigations", j])
}

# METADATA
# title: A detective control is in operation
# description: Some implemented or verified control detects misuse or failure in production.
# custom:
#   id: TM-CTRL-002
#   severity: medium
#   controls: {nist-ai-rmf: ["MEASURE 2.4"], iso42001: ["A.6.2.6"]}
deny contains finding if {
	not _detective_in_operation
	finding := result.deny("TM-CTRL-002", "no detective control is implemented or verified", ["controls"])
}

_detective_in_operation if {
	some c in input.model.controls
	c.kind == "detective"
	c.status in {"implemented", "verified"}
}
