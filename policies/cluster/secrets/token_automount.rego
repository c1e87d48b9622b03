# METADATA
# title: Service account tokens mounted where no API access is granted
# description: >-
#   The pod mounts its service account's token although that account is
#   bound to no role (beyond what every authenticated user gets): the token
#   serves no purpose, but an attacker in the container can still use it.
#   Automounting is taken from the pod spec, else from the ServiceAccount,
#   else true. Pods owned by a controller are reported through their owner;
#   system namespaces are left out.
# custom:
#   id: FG-SEC-005
#   severity: low
#   scope: cluster
#   kinds: [ServiceAccount, rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/Role, rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/RoleBinding, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.1.6"]
#     nsa-cisa-v1.2: ["pod-security/service-account-tokens"]
#   remediation: >-
#     Set automountServiceAccountToken: false on the ServiceAccount or in the
#     pod spec.
package fleetguard.cluster.secrets.token_automount

import data.fleetguard.cluster.lib.k8s

# api_access holds the ids of the subjects with a grant of their own, or
# through their service-account groups (not merely as authenticated users).
# A set of ids, so each workload looks its account up instead of scanning
# every subject; a binding of their own (direct) settles it without
# scanning their grants.
api_access contains s.id if {
	some s in input.views.rbac.subjects
	count(s.direct) > 0
}

api_access contains s.id if {
	some s in input.views.rbac.subjects
	count(s.direct) == 0
	some g in s.grants
	object.get(g, "via", "") != "system:authenticated"
}

violation contains {
	"msg": sprintf("%s mounts the token of service account %q, which is bound to no role", [k8s.describe(w), w.serviceAccountName]),
	"resource": k8s.resource(w),
	"details": {"serviceAccountName": w.serviceAccountName},
} if {
	some w in input.workloads
	w.controlled == false
	w.automountServiceAccountToken
	not w.namespace in k8s.system_namespaces
	not sprintf("ServiceAccount:%s:%s", [w.namespace, w.serviceAccountName]) in api_access
}
