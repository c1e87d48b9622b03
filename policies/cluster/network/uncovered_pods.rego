# METADATA
# title: Pods selected by no NetworkPolicy
# description: >-
#   A pod or workload that no NetworkPolicy selects is not isolated in either
#   direction, even in a namespace that has policies for its other pods.
#   Pods owned by a controller are reported once, through their owner.
#   Namespaces without any policy are reported by FG-NET-001 instead; system
#   namespaces are left out.
# custom:
#   id: FG-NET-004
#   severity: medium
#   scope: cluster
#   kinds: [NetworkPolicy, Namespace, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.3.2"]
#     nsa-cisa-v1.2: ["network/network-policies"]
#   remediation: >-
#     Add a default-deny policy to the namespace, or a policy whose
#     podSelector matches the pod's labels.
package fleetguard.cluster.network.uncovered_pods

import data.fleetguard.cluster.lib.k8s

# with_policies are the namespaces that have NetworkPolicies: a set of
# names, so each pod looks its namespace up instead of scanning them all.
with_policies contains ns.name if {
	some ns in input.views.network.namespaces
	count(ns.policies) > 0
}

violation contains {
	"msg": sprintf("%s is selected by no NetworkPolicy of namespace %q", [k8s.describe(p), p.namespace]),
	"resource": k8s.resource(p),
	"details": {"labels": p.labels},
} if {
	some p in input.views.network.pods
	p.selected == false
	p.controlled == false
	not p.namespace in k8s.system_namespaces
	p.namespace in with_policies
}
