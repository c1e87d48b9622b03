# METADATA
# title: NetworkPolicy rules that allow all traffic
# description: >-
#   A rule with no peers, a namespaceSelector of {} or an ipBlock of
#   0.0.0.0/0 or ::/0 allows every source (ingress) or destination (egress),
#   which undoes the isolation the policy was meant to give. One finding per
#   rule and peer; rules limited to some ports are reported too, with the
#   ports noted.
# custom:
#   id: FG-NET-005
#   severity: medium
#   scope: cluster
#   kinds: [NetworkPolicy]
#   controls:
#     nsa-cisa-v1.2: ["network/network-policies"]
#   remediation: >-
#     Name the peers the pods need: a podSelector, a namespaceSelector with
#     labels, or the narrowest ipBlock.
package fleetguard.cluster.network.allow_all

import data.fleetguard.cluster.lib.k8s

ports(a) := " on some ports" if a.ports

else := " on every port"

prep(a) := "from" if a.direction == "ingress"

else := "to"

peer(a) := "" if a.peer < 0

else := sprintf(" peer %d", [a.peer])

violation contains {
	"msg": sprintf("NetworkPolicy %s/%s allows %s %s %s%s (%s rule %d%s)", [p.namespace, p.name, a.direction, prep(a), a.reason, ports(a), a.direction, a.rule, peer(a)]),
	"resource": {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "namespace": p.namespace, "name": p.name},
	"details": {"direction": a.direction, "rule": a.rule, "peer": a.peer, "reason": a.reason, "ports": a.ports},
} if {
	some p in input.views.network.policies
	not p.namespace in k8s.system_namespaces
	some a in p.allowAll
}
