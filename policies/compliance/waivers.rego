package compliance.waivers

import data.lib.result

# METADATA
# title: Waivers have not expired
# description: >-
#   A waiver is a time-boxed decision not to meet a control. Once its expiry date has passed
#   it waives nothing, and the lapsed decision itself is a finding against the control it
#   named, until the waiver is renewed or removed.
# custom:
#   id: TM-WAIVER-001
#   severity: medium
#   controls: {iso42001: ["6.1.3"]}
deny contains finding if {
	some i, waiver in input.model.compliance.waivers
	input.facts.waivers[i].expired
	msg := sprintf("waiver of %s expired on %s", [waiver.control, waiver.expires])
	finding := result.deny_control("TM-WAIVER-001", msg, ["compliance", "waivers", i, "expires"], waiver.control)
}

not_applicable contains "TM-WAIVER-001" if count(object.get(input.model, ["compliance", "waivers"], [])) == 0
