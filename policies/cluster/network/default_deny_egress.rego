# METADATA
# title: No default-deny egress
# description: >-
#   Without a default-deny egress policy (empty podSelector, Egress in
#   policyTypes, no egress rules), a pod that no other policy selects for
#   egress can reach any destination, including the API server and cloud metadata endpoints, unless a policy limits it. Reported for namespaces that have NetworkPolicies;
#   namespaces with none are reported by FG-NET-001. System namespaces are
#   left out.
# custom:
#   id: FG-NET-003
#   severity: medium
#   scope: cluster
#   kinds: [NetworkPolicy, Namespace, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate]
#   controls:
#     cis-k8s-v1.10: ["5.3.2"]
#     nsa-cisa-v1.2: ["network/network-policies"]
#   remediation: >-
#     Add a NetworkPolicy with podSelector: {} and policyTypes: [Egress] and no
#     egress rules, then allow the traffic the pods need explicitly.
package fleetguard.cluster.network.default_deny_egress

import data.fleetguard.cluster.lib.k8s

violation contains {
	"msg": sprintf("namespace %q has NetworkPolicies (%s) but none denies all egress by default", [ns.name, concat(", ", ns.policies)]),
	"resource": {"apiVersion": "v1", "kind": "Namespace", "name": ns.name},
	"details": {"policies": ns.policies},
} if {
	some ns in input.views.network.namespaces
	not ns.name in k8s.system_namespaces
	count(ns.policies) > 0
	not ns.defaultDenyEgress
}
