# METADATA
# title: Namespaces without NetworkPolicies
# description: >-
#   Without a NetworkPolicy every pod of the namespace accepts traffic from,
#   and sends traffic to, every other pod of the cluster and beyond: one
#   compromised pod reaches them all. System namespaces are left out.
# custom:
#   id: FG-NET-001
#   severity: medium
#   scope: cluster
#   kinds: [NetworkPolicy, Namespace, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.3.2"]
#     nsa-cisa-v1.2: ["network/network-policies"]
#   remediation: >-
#     Add a default-deny NetworkPolicy (empty podSelector, policyTypes
#     Ingress and Egress) to the namespace, then policies that allow the
#     traffic its pods need.
package fleetguard.cluster.network.no_policy

import data.fleetguard.cluster.lib.k8s

violation contains {
	# The pod count lives in details, so the finding keeps its identity in
	# audit diffs when pods come and go.
	"msg": sprintf("namespace %q has no NetworkPolicy: all its pods accept and send any traffic", [ns.name]),
	"resource": {"apiVersion": "v1", "kind": "Namespace", "name": ns.name},
	"details": {"pods": ns.pods},
} if {
	some ns in input.views.network.namespaces
	not ns.name in k8s.system_namespaces
	count(ns.policies) == 0
}
