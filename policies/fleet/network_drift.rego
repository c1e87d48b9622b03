# METADATA
# title: NetworkPolicy posture drift between production clusters
# description: >-
#   A namespace that has a default-deny NetworkPolicy in one production
#   cluster but not in another: the same application is isolated in one
#   place and open in the other. Production clusters are those whose env
#   label is one of input.config.productionEnvs. The cluster without the
#   default deny is reported.
# custom:
#   id: FG-FLEET-003
#   severity: high
#   scope: fleet
#   kinds: [NetworkPolicy, Namespace]
#   controls:
#     cis-k8s-v1.10: ["5.3.2"]
#     nsa-cisa-v1.2: ["network/network-policies"]
#   remediation: >-
#     Roll the namespace's default-deny NetworkPolicies out to every
#     production cluster from one source.
package fleetguard.fleet.network_drift

production := [c | some c in input.clusters; c.labels.env in input.config.productionEnvs; c.namespaces != null]

directions := {"ingress": "defaultDenyIngress", "egress": "defaultDenyEgress"}

# denying[field][ns] are the production clusters whose namespace ns has the
# default-deny policy of field, computed once rather than per cluster.
denying[field] := {ns: names |
	some ns in {ns | some c in production; some ns, _ in c.namespaces}
	names := {d.name | some d in production; d.namespaces[ns][field] == true}
} if {
	some field in directions
}

violation contains {
	"msg": sprintf("namespace %q has no default-deny %s in cluster %s, but has one in %s", [ns, dir, c.name, concat(", ", with_deny)]),
	"cluster": c.name,
	"resource": {"apiVersion": "v1", "kind": "Namespace", "name": ns},
	"details": {"direction": dir, "defaultDenyIn": with_deny},
} if {
	some c in production
	some ns, posture in c.namespaces
	some dir, field in directions
	posture[field] == false
	with_deny := denying[field][ns]
	count(with_deny) > 0
}
