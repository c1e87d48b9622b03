# METADATA
# title: Cluster-admin rights held by non-system subjects
# description: >-
#   A subject holding every verb on every resource cluster-wide is
#   cluster-admin, whether through the cluster-admin ClusterRole or an
#   equivalent wildcard role. Its credentials are worth the whole cluster.
#   One finding per non-system subject and ClusterRoleBinding; users and
#   groups named system:* and service accounts in system namespaces are left
#   out.
# custom:
#   id: FG-RBAC-101
#   severity: critical
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, ServiceAccount]
#   controls:
#     cis-k8s-v1.10: ["5.1.1"]
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege"]
#   remediation: >-
#     Bind a role that grants only what the subject needs. Keep cluster-admin
#     for break-glass access through a group that is empty in normal
#     operation.
package fleetguard.cluster.rbac.cluster_admin

import data.fleetguard.cluster.lib.rbac

violation contains {
	"msg": sprintf("%s %q gives %s cluster-admin rights: every verb on every resource, cluster-wide (role %s %q)", [b.kind, b.name, rbac.label(s), h.role.kind, h.role.name]),
	"resource": b,
	"details": {"subject": s.id, "role": h.role},
} if {
	some s in input.views.rbac.subjects
	some h in s.direct
	not rbac.system_subject(s)
	rbac.cluster_admin(h)
	b := h.binding
}
