# METADATA
# title: Bindings to missing roles or service accounts
# description: >-
#   A binding whose role or service account does not exist grants nothing
#   today, but whoever later creates a role or account of that name inherits
#   the binding. Bindings named system:*, in system namespaces, or to
#   service accounts of system namespaces are left out: the control plane
#   creates those itself.
# custom:
#   id: FG-RBAC-115
#   severity: medium
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, ServiceAccount]
#   controls:
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege"]
#   remediation: >-
#     Delete the binding, or the subject from it, if it is no longer needed;
#     otherwise create the role or service account it expects.
package fleetguard.cluster.rbac.dangling

import data.fleetguard.cluster.lib.k8s
import data.fleetguard.cluster.lib.rbac

system(d) if startswith(d.binding.name, "system:")

system(d) if d.binding.namespace in k8s.system_namespaces

system(d) if {
	d.subject.kind == "ServiceAccount"
	d.subject.namespace in k8s.system_namespaces
}

what(d) := sprintf("%s %q, which does not exist", [d.roleRef.kind, d.roleRef.name]) if {
	d.reason == "role not found"
} else := sprintf("%s, which does not exist", [rbac.label(d.subject)]) if {
	d.reason == "service account not found"
} else := sprintf("ServiceAccount %q without a namespace", [d.subject.name])

violation contains {
	"msg": sprintf("%s %q refers to %s", [d.binding.kind, d.binding.name, what(d)]),
	"resource": d.binding,
	"details": d,
} if {
	some d in input.views.rbac.dangling
	not system(d)
}
