# METADATA
# title: Wildcards in Roles and ClusterRoles
# description: >-
#   A rule with "*" in verbs, resources or apiGroups grants every present and
#   future permission of that kind, including ones added by CRDs later, so the
#   role can never be reviewed as least privilege. The API server's own
#   bootstrap roles (label kubernetes.io/bootstrapping=rbac-defaults) are left
#   out.
# custom:
#   id: FG-RBAC-001
#   severity: high
#   scope: object
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role]
#   controls:
#     cis-k8s-v1.10: ["5.1.3"]
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege"]
#   remediation: >-
#     List the exact apiGroups, resources and verbs the subject needs. Use
#     `kubectl auth can-i --list --as <subject>` to see what a role grants.
package fleetguard.object.rbac.wildcard

wildcard_fields := ["apiGroups", "resources", "verbs"]

violation contains {"msg": msg, "details": {"rule": i, "fields": fields, "path": sprintf("rules[%d]", [i])}} if {
	not bootstrap_role
	some i, rule in input.object.rules
	fields := [f | some f in wildcard_fields; "*" in object.get(rule, f, [])]
	count(fields) > 0
	msg := sprintf("%s %q rule %d grants \"*\" in %s", [input.object.kind, input.object.metadata.name, i, concat(", ", fields)])
}

bootstrap_role if input.object.metadata.labels["kubernetes.io/bootstrapping"] == "rbac-defaults"
