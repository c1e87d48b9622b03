# METADATA
# title: Secrets readable by many subjects
# description: >-
#   A Secret that more than five non-system subjects can read, or that a
#   group holding every user or service account (system:authenticated,
#   system:serviceaccounts[:ns], system:unauthenticated) can read, is shared
#   far beyond the workload it is for. Readers are subjects bound to a rule
#   that lets them get it, or list or watch Secrets in its namespace. System
#   namespaces are left out.
# custom:
#   id: FG-SEC-006
#   severity: medium
#   scope: cluster
#   kinds: [Secret, ServiceAccount, rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding]
#   controls:
#     cis-k8s-v1.10: ["5.1.2"]
#     nsa-cisa-v1.2: ["network/secrets", "authz/rbac-least-privilege"]
#   remediation: >-
#     Narrow the roles that grant get, list or watch on secrets in the
#     namespace; use resourceNames so each workload reads only its own.
package fleetguard.cluster.secrets.many_readers

import data.fleetguard.cluster.lib.k8s

max_readers := 5

broad_groups := {"Group:system:authenticated", "Group:system:serviceaccounts", "Group:system:unauthenticated"}

broad(id) if id in broad_groups

broad(id) if startswith(id, "Group:system:serviceaccounts:")

system(id) if startswith(id, "User:system:")

system(id) if {
	startswith(id, "Group:system:")
	not broad(id)
}

system(id) if {
	parts := split(id, ":")
	parts[0] == "ServiceAccount"
	parts[1] in k8s.system_namespaces
}

readers(s) := {r.subject | some r in s.readers; not system(r.subject)}

# too_many(rs) is true for a set of non-system readers that is too large or
# holds a broad group.
too_many(rs) if count(rs) > max_readers

too_many(rs) if {
	some r in rs
	broad(r)
}

violation contains {
	"msg": sprintf("Secret %s/%s can be read by %d non-system subjects: %s", [s.namespace, s.name, count(rs), concat(", ", rs)]),
	"resource": {"apiVersion": "v1", "kind": "Secret", "namespace": s.namespace, "name": s.name},
	"details": {"readers": rs},
} if {
	some s in input.views.secrets.secrets
	not s.namespace in k8s.system_namespaces
	rs := readers(s)
	too_many(rs)
}
