# METADATA
# title: Binding to cluster-admin
# description: >-
#   cluster-admin grants every permission on every resource. Binding it to a
#   person, a group or a service account makes that subject's credentials
#   worth the whole cluster (or, in a RoleBinding, the whole namespace).
#   Users and groups named system:* are the control plane's own identities
#   and are left out; service accounts are always reported.
# custom:
#   id: FG-RBAC-002
#   severity: high
#   scope: object
#   kinds: [rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding]
#   controls:
#     cis-k8s-v1.10: ["5.1.1"]
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege"]
#   remediation: >-
#     Bind a role that grants only what the subject needs. Keep cluster-admin
#     for break-glass access through a group that is empty in normal
#     operation.
package fleetguard.object.rbac.cluster_admin_binding

violation contains {"msg": msg, "details": {"subject": subject, "path": sprintf("subjects[%d]", [i])}} if {
	input.object.roleRef.kind == "ClusterRole"
	input.object.roleRef.name == "cluster-admin"
	some i, subject in input.object.subjects
	not system_subject(subject)
	msg := sprintf("%s %q grants cluster-admin to %s%s", [input.object.kind, input.object.metadata.name, describe(subject), scope])
}

scope := sprintf(" in namespace %q", [input.object.metadata.namespace]) if {
	input.object.kind == "RoleBinding"
} else := ""

system_subject(subject) if {
	subject.kind in {"User", "Group"}
	startswith(subject.name, "system:")
}

describe(subject) := sprintf("ServiceAccount %s/%s", [object.get(subject, "namespace", ""), subject.name]) if {
	subject.kind == "ServiceAccount"
} else := sprintf("%s %q", [subject.kind, subject.name])
