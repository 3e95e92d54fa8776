package checks.scoring

import data.lib.result

# METADATA
# title: Every threat states at least one assumption
# description: Scores are only as good as the assumptions behind them.
# custom:
#   id: TM-TEST-001
#   severity: high
#   judges: ["threats"]
#   controls: {nist-ai-rmf: ["MAP 5.1"], iso42001: ["6.1.2"]}
deny contains finding if {
	some i, t in input.model.threats
	_lacks_assumption(t)
	finding := result.deny("TM-TEST-001", sprintf("threat %s has no assumption", [t.id]), ["threats", i, "assumptions"])
}

not_applicable contains "TM-TEST-001" if count(object.get(input.model, "threats", [])) == 0

_lacks_assumption(t) if count(object.get(t, "assumptions", [])) == 0

# METADATA
# title: High risks have an owner
# custom:
#   id: TM-TEST-002
#   severity: medium
#   judges: ["threats"]
#   controls:
#     iso42001: ["6.1.3"]
deny contains finding if {
	some i, t in input.model.threats
	input.facts.threats[t.id].risk >= 15
	not t.owner
	finding := result.deny_control("TM-TEST-002", sprintf("threat %s has a high risk and no owner", [t.id]), ["threats", i], "iso42001/6.1.3")
}
