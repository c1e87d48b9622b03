# METADATA
# title: NetworkPolicies that select no pods
# description: >-
#   A policy whose podSelector matches no pod or workload template protects
#   nothing: usually a label typo, or a policy left behind by a removed
#   application, which gives a false sense of isolation.
# custom:
#   id: FG-NET-006
#   severity: low
#   scope: cluster
#   kinds: [NetworkPolicy, Namespace, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     nsa-cisa-v1.2: ["network/network-policies"]
#   remediation: >-
#     Fix the podSelector so it matches the pods' labels, or delete the
#     policy.
package fleetguard.cluster.network.selects_nothing

import data.fleetguard.cluster.lib.k8s

reason(p) := sprintf("its podSelector is invalid (%s)", [p.error]) if {
	object.get(p, "error", "") != ""
} else := "no pod or workload in the namespace matches its podSelector"

violation contains {
	"msg": sprintf("NetworkPolicy %s/%s selects no pods: %s", [p.namespace, p.name, reason(p)]),
	"resource": {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "namespace": p.namespace, "name": p.name},
} if {
	some p in input.views.network.policies
	not p.namespace in k8s.system_namespaces
	count(p.selected) == 0
}
