package lib.result

# METADATA
# description: The one shape of a deny result, so that every check builds it the same way.
deny(rule_id, msg, path) := {"rule_id": rule_id, "msg": msg, "path": path}

# METADATA
# description: A deny result that counts against one control of the check only.
deny_control(rule_id, msg, path, control) := {"rule_id": rule_id, "msg": msg, "path": path, "control": control}
