package lib.testdata

# One minimal valid threat model (format v1) and its facts, on 2026-11-01.
# Every check of the built-in packs passes on it. Tests change only the part
# under test, with object.union, and override input.model / input.facts.
#
# Three regopy 1.5.2 traps (OPA passes, regopy fails silently):
# - object.union is shallow: patch nested fields with patched()/without() below.
# - "with input.model as testdata.model" sees an empty input: bind first,
#   "m := testdata.model" then "with input.model as m".
# - "every x in xs { not f(x) }" can be wrong; "some k, v in" inside a
#   comprehension does not compile; use count([...]) == 0 and "some i; x := xs[i]".
# - sprintf("%s") quotes strings built by replace()/concat(): format literals or input.
# - a function whose body uses "with" returns garbage: bind and use "with" in the test.

# METADATA
# description: >-
#   Controls met by system evidence in the test model (catalog judged_by: system): the
#   organisation's controls are decided in the register, never in a model.
attested_controls := [
	"nist-ai-rmf/MAP 1.4", "nist-ai-rmf/MAP 1.6", "nist-ai-rmf/MAP 3.1", "nist-ai-rmf/MAP 3.2",
	"nist-ai-rmf/MEASURE 2.2", "nist-ai-rmf/MEASURE 2.3", "nist-ai-rmf/MEASURE 2.5",
	"nist-ai-rmf/MEASURE 2.6", "nist-ai-rmf/MEASURE 2.9", "nist-ai-rmf/MEASURE 2.10",
	"nist-ai-rmf/MEASURE 2.11", "nist-ai-rmf/MEASURE 4.3",
	"iso42001/6.1.4", "iso42001/8.4", "iso42001/A.5.3", "iso42001/A.5.4", "iso42001/A.5.5",
	"iso42001/A.6.2.5",
]

_attestation_evidence := "docs/governance/ai-management-system.md"

_attestations := [a |
	some key in attested_controls
	a := {"control": key, "evidence": _attestation_evidence, "by": "AI governance board", "date": "2026-10-15"}
]

# METADATA
# description: A minimal valid threat model on which every built-in check passes.
model := {
	"apiVersion": "policyengine/v1",
	"kind": "ThreatModel",
	"metadata": {"id": "demo-assistant", "name": "Demo Assistant", "owner": "ai-platform-team", "version": "1.0.0"},
	"system": {
		"description": "LLM assistant that answers product questions from the help center.",
		"intended_purpose": "Answer customer questions about the product from help-center articles.",
		"out_of_scope_uses": ["legal advice"],
		"deployment_context": "Public web chat for signed-in customers.",
		"users": ["customers"],
		"ai_tasks": ["generation", "retrieval"],
		"human_oversight": "Support agents review flagged conversations daily.",
		"risk_tolerance": "low",
		"frameworks": ["nist-ai-rmf", "iso42001"],
	},
	"assets": [
		{
			"id": "base-model", "type": "base_model", "name": "hosted foundation model", "version": "2026-06-01",
			"supplier": "third_party", "hosting": {"provider": "cloud model API", "region": "eu-west"},
			"procurement_reviewed": true,
		},
		{
			"id": "chat-api", "type": "inference_api", "name": "chat endpoint",
			"exposure": "authenticated", "authentication": "oauth2", "rate_limit": "60/min per user",
		},
		{
			"id": "kb", "type": "retrieval_corpus", "name": "help-center articles", "store": "pgvector 0.8",
			"ingestion_paths": [{"id": "cms-sync", "source": "help-center CMS", "writers": ["docs-team"], "reviewed_before_publish": true}],
		},
		{
			"id": "serving-stack", "type": "ml_library", "name": "serving dependencies",
			"components": [{"name": "litellm", "version": "1.52.0"}], "sbom": "sbom/serving.cdx.json",
		},
	],
	"surfaces": [
		{
			"id": "chat-io", "layer": "input_output", "assets": ["chat-api", "base-model"],
			"interfaces": [{
				"id": "web-chat", "who": "signed-in customers", "access": "authenticated",
				"user_information": "The chat says it is an AI assistant that can read and cancel orders, and links a human agent.",
			}],
		},
		{"id": "kb-retrieval", "layer": "retrieval", "assets": ["kb"]},
		{"id": "runtime", "layer": "runtime", "assets": ["serving-stack"]},
	],
	"threats": [
		{
			"id": "T-001", "title": "Jailbreak makes the assistant ignore its instructions", "surface": "chat-io",
			"atlas": ["AML.T0051", "AML.T0054"], "stride": ["elevation_of_privilege"],
			"likelihood": 4, "impact": 3, "prerequisites": ["query_access"],
			"assumptions": ["Any signed-in customer can send free text."],
			"mitigations": ["C-01"], "status": "mitigating",
			"validation": {"status": "confirmed", "findings": ["RT-2026-09/F-1"]},
		},
		{
			"id": "T-002", "title": "System prompt or other customers' data leaks in answers", "surface": "chat-io",
			"atlas": ["AML.T0056", "AML.T0057"], "stride": ["information_disclosure"],
			"likelihood": 2, "impact": 3, "prerequisites": ["query_access"],
			"assumptions": ["The prompt holds no customer data."],
			"mitigations": ["C-01"], "status": "mitigated",
			"validation": {"status": "untested", "note": "Below the threshold; in scope of the Q1 exercise."},
		},
		{
			"id": "T-003", "title": "Poisoned help-center article injects instructions", "surface": "kb-retrieval",
			"atlas": ["AML.T0051.001", "AML.T0070", "AML.T0071"], "stride": ["tampering"],
			"likelihood": 3, "impact": 4, "prerequisites": ["content_write_access"],
			"assumptions": ["Only the docs team can publish articles, after review."],
			"mitigations": ["C-02"], "status": "mitigated", "validation": {"status": "not_reproduced"},
		},
		{
			"id": "T-004", "title": "Compromised serving dependency", "surface": "runtime",
			"atlas": ["AML.T0010.001"], "stride": ["tampering"],
			"likelihood": 2, "impact": 5, "prerequisites": ["supply_chain_access"],
			"assumptions": ["Dependencies are pinned by hash."],
			"mitigations": ["C-03"], "status": "mitigated", "validation": {"status": "not_reproduced"},
		},
	],
	"controls": [
		{
			"id": "C-01", "title": "Output filter and hardened system prompt", "kind": "preventive",
			"status": "implemented", "owner": "ai-platform-team", "evidence": ["docs/controls/output-filter.md"],
		},
		{
			"id": "C-02", "title": "Articles are reviewed before they are indexed", "kind": "preventive",
			"status": "verified", "owner": "docs-team", "evidence": ["docs/controls/article-review.md"],
		},
		{
			"id": "C-03", "title": "Hash-pinned dependencies; SBOM diffed on every build", "kind": "detective",
			"status": "implemented", "owner": "platform-security", "evidence": ["docs/controls/sbom-diff.md"],
		},
	],
	"red_team": [{
		"id": "RT-2026-09", "date": "2026-09-01", "performed_by": "external security firm", "independent": true,
		"scope": {"surfaces": ["chat-io", "kb-retrieval", "runtime"], "atlas": ["AML.T0051", "AML.T0054"]},
		"tools": ["garak 0.10", "in-house injection harness"], "test_sets": ["120 jailbreak and injection prompts"],
		"metrics": ["attack success rate per technique"], "report": "evidence/red-team/RT-2026-09.md",
		"findings": [{
			"id": "F-1", "title": "Role-play prompt bypassed the refusal policy", "atlas": ["AML.T0054"],
			"severity": "medium", "threats": ["T-001"],
			"remediation": {"status": "in_progress", "ticket": "SEC-1", "due": "2026-12-01"},
		}],
	}],
	"review": {
		"cadence": "quarterly", "last_reviewed": "2026-10-01", "reviewed_by": ["security architecture"],
		"atlas_version": "5.6.1", "history": [{"date": "2026-10-01", "reason": "initial"}],
	},
	"compliance": {
		"not_applicable": [{"technique": "AML.T0010.003", "reason": "The hosted model is used through the provider's API; no weights are loaded."}],
		"attestations": _attestations,
		"waivers": [],
	},
}

_techniques := {
	"AML.T0051": "", "AML.T0054": "", "AML.T0056": "", "AML.T0057": "",
	"AML.T0051.001": "AML.T0051", "AML.T0070": "", "AML.T0071": "",
	"AML.T0010.001": "AML.T0010", "AML.T0010.003": "AML.T0010",
}

# METADATA
# description: The facts Python computes for the test model on 2026-11-01 (day 20758).
facts := {
	"as_of_day": 20758,
	"review": {"status": "current", "cadence_days": 92, "cadence_exceeds": false, "cadence": "", "max_cadence": "quarterly"},
	"risk": {"tolerance": "low", "threshold": 8, "max_acceptance_days": 365, "max_waiver_days": 365, "acceptors_from": "risk.acceptors in .policyengine.yaml"},
	"threats": {
		"T-001": object.union({"risk": 12}, not_accepted),
		"T-002": object.union({"risk": 6}, not_accepted),
		"T-003": object.union({"risk": 12}, not_accepted),
		"T-004": object.union({"risk": 10}, not_accepted),
	},
	"threat_risks": [12, 6, 12, 10],
	"high_risk_indices": [0, 2, 3],
	"validation": [
		{"links": [[0, 0]], "open": [{"exercise": 0, "finding": 0, "status": "in_progress"}], "unrecorded": [], "in_recent_scope": true, "named_by": [[0, 0]], "basis": ["RT-2026-09/F-1"]},
		unvalidated,
		{"links": [], "open": [], "unrecorded": [], "in_recent_scope": true, "named_by": [], "basis": ["RT-2026-09"]},
		{"links": [], "open": [], "unrecorded": [], "in_recent_scope": false, "named_by": [], "basis": ["RT-2026-09"]},
	],
	"waivers": [],
	"attestations": [f |
		some _a in _attestations
		f := {"age_days": 17, "within_cadence": true, "evidence_exists": true, "names_model": true}
	],
	"red_team": {"RT-2026-09": {"age_days": 61, "overdue": [], "by_owner": false}},
	"evidence": {
		"docs/controls/output-filter.md": true,
		"docs/controls/article-review.md": true,
		"docs/controls/sbom-diff.md": true,
		"sbom/serving.cdx.json": true,
		"evidence/red-team/RT-2026-09.md": true,
		_attestation_evidence: true,
	},
	"placeholders": [],
	"sbom": {"sbom/serving.cdx.json": {"format": "cyclonedx", "why": "", "components": {"litellm": ["1.52.0"], "numpy": ["2.1.3"]}}},
	"atlas": {
		"version": "5.6.1",
		"kinds": ["generative"],
		"techniques": {id: t |
			some id, parent in _techniques
			t := {"valid": true, "retired": false, "current_id": id, "parent": parent}
		},
		"mentioned": [
			"AML", "AML.T0010", "AML.T0010.001", "AML.T0051", "AML.T0051.001", "AML.T0054",
			"AML.T0056", "AML.T0057", "AML.T0070", "AML.T0071",
		],
		"applicable": _applicable,
		"asks": asks,
	},
	"code": {"scanned": false, "scope": "", "manifests": 0, "items": []},
}

# What policyengine.applicability would decide for the model above (a few of its answers):
# the techniques that apply, and the questions, one per family and surface (index).
_applicable := {
	"AML.T0051.000": {"surfaces": [0], "asked_as": "AML.T0051", "reason": "users type instructions", "information_disclosure": false},
	"AML.T0051.001": {"surfaces": [1], "asked_as": "AML.T0051", "reason": "retrieved text carries instructions", "information_disclosure": false},
	"AML.T0054": {"surfaces": [0], "asked_as": "AML.T0054", "reason": "users can talk it out of its rules", "information_disclosure": false},
	"AML.T0056": {"surfaces": [0], "asked_as": "AML.T0056", "reason": "the system prompt can be extracted", "information_disclosure": true},
	"AML.T0057": {"surfaces": [1], "asked_as": "AML.T0057", "reason": "the model can hand out what it reads", "information_disclosure": true},
	"AML.T0070": {"surfaces": [1], "asked_as": "AML.T0070", "reason": "the index can be poisoned", "information_disclosure": false},
	"AML.T0071": {"surfaces": [1], "asked_as": "AML.T0070", "reason": "false entries can be planted", "information_disclosure": false},
	"AML.T0010.001": {"surfaces": [2], "asked_as": "AML.T0010", "reason": "libraries come from upstream", "information_disclosure": false},
}

# METADATA
# description: The questions facts.atlas.asks holds for the model above (see _applicable).
asks := [
	{"family": "AML.T0010", "name": "AI Supply Chain Compromise", "surface": 2, "techniques": "AML.T0010.001 AI Supply Chain Compromise: AI Software"},
	{"family": "AML.T0051", "name": "LLM Prompt Injection", "surface": 0, "techniques": "AML.T0051.000 LLM Prompt Injection: Direct"},
	{"family": "AML.T0051", "name": "LLM Prompt Injection", "surface": 1, "techniques": "AML.T0051.001 LLM Prompt Injection: Indirect"},
	{"family": "AML.T0054", "name": "LLM Jailbreak", "surface": 0, "techniques": "AML.T0054 LLM Jailbreak"},
	{"family": "AML.T0056", "name": "Extract LLM System Prompt", "surface": 0, "techniques": "AML.T0056 Extract LLM System Prompt"},
	{"family": "AML.T0057", "name": "LLM Data Leakage", "surface": 1, "techniques": "AML.T0057 LLM Data Leakage"},
	{"family": "AML.T0070", "name": "RAG Poisoning", "surface": 1, "techniques": "AML.T0070 RAG Poisoning, AML.T0071 False RAG Entry Injection"},
]

# METADATA
# description: The acceptance facts of a threat that is not accepted.
not_accepted := {"acceptance_expired": false, "acceptance_not_yet": false, "acceptance_days": -1, "acceptance_too_long": false, "acceptance_authorized": false}

# METADATA
# description: The validation facts of a threat no red-team finding validates and no recent scope names.
unvalidated := {"links": [], "open": [], "unrecorded": [], "in_recent_scope": false, "named_by": [], "basis": []}

# METADATA
# description: >-
#   The facts for model m: f with the facts Python derives from the threats (threat_risks,
#   high_risk_indices at f.risk.threshold, atlas.mentioned) recomputed for m's threats, risks
#   read from f.threats; validation keeps f's entry of each index and is `unvalidated` past
#   its end. A test that changes the threats passes facts_for(m, testdata.facts) as input.facts.
facts_for(m, f) := object.union(f, {
	"threat_risks": risks,
	"high_risk_indices": [i | some i; r := risks[i]; r >= f.risk.threshold],
	"validation": [v | some i; m.threats[i]; v := _validation_at(f.validation, i)],
	"atlas": {
		"version": f.atlas.version, "techniques": f.atlas.techniques, "mentioned": _mentioned(m),
		"applicable": f.atlas.applicable, "asks": f.atlas.asks,
	},
}) if {
	risks := [object.get(f, ["threats", t.id, "risk"], 0) | some t in m.threats]
}

_validation_at(vs, i) := vs[i] if i < count(vs)

_validation_at(vs, i) := unvalidated if i >= count(vs)

# The ids the threats of m name, with every proper prefix that ends before a dot, in no
# set order (Python sorts them; the packs only test membership). regopy 1.5.2: sort()
# inside a function is undefined, and strings from concat() compare unequal to literals.
_mentioned(m) := [p | some p in _named_and_parents(m)]

_named_and_parents(m) := {p |
	some t in m.threats
	some a in t.atlas
	some p in array.concat([a], [substring(a, 0, n) | some n in indexof_n(a, ".")])
}

# regopy 1.5.2's object.union is shallow (OPA's merges nested objects), so tests
# patch nested fields with these two helpers; object.union only at the top level.

# METADATA
# description: obj with the value at path (an array of keys and indices) set; parents must exist.
patched(obj, path, value) := json.patch(obj, [{"op": "add", "path": path, "value": value}])

# METADATA
# description: obj without the value at path (an array of keys and indices).
without(obj, path) := json.patch(obj, [{"op": "remove", "path": path}])

# METADATA
# description: >-
#   The single findings in a package's deny set: a batch made by lib.result.each becomes one
#   finding per item (with its rule_id), a single finding stays as it is. Tests assert on these.
found(deny) := {f |
	some d in deny
	some f in _items(d)
}

_items(d) := [object.union({"rule_id": d.rule_id}, item) | some item in d.each] if is_array(d.each)

_items(d) := [d] if not d.each
