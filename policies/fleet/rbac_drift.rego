# METADATA
# title: RBAC baseline drift within an environment
# description: >-
#   A non-system ClusterRole or ClusterRoleBinding that exists with other
#   rules, other subjects or not at all in another cluster of the same
#   environment label. Clusters of one environment should grant the same
#   access; a difference is usually a manual change that was never rolled
#   out, or never rolled back. The clusters that differ from the majority
#   are reported (all of them when there is no majority).
# custom:
#   id: FG-FLEET-002
#   severity: medium
#   scope: fleet
#   kinds: [rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/ClusterRoleBinding]
#   controls:
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege"]
#   remediation: >-
#     Manage cluster-wide RBAC from one source (GitOps) for every cluster of
#     the environment, and reconcile the clusters that drifted.
package fleetguard.fleet.rbac_drift

import data.fleetguard.fleet.lib.drift

fields := {"ClusterRole": "clusterRoles", "ClusterRoleBinding": "clusterRoleBindings"}

# known(e, field) are the clusters of e whose field could be read.
known(e, field) := [c | some c in drift.peers(e); c[field] != null]

values(e, field, name) := {c.name: object.get(c[field], name, null) | some c in known(e, field)}

state(null) := "absent"

state(v) := sprintf("rules %s", [v.hash]) if v.hash

state(v) := sprintf("%s for %s", [v.roleRef, concat(", ", v.subjects)]) if v.roleRef

violation contains {
	"msg": sprintf("%s %q differs between clusters of env %q: %s here; %s", [kind, name, e, state(vs[c]), others]),
	"cluster": c,
	"resource": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "name": name},
	"details": {"env": e, "clusters": vs},
} if {
	some e in drift.envs
	some kind, field in fields
	count(known(e, field)) > 1
	some name in {n | some c in known(e, field); some n, _ in c[field]}
	vs := values(e, field, name)
	some c in drift.outliers(vs)
	others := concat("; ", {sprintf("%s in %s", [state(w), drift.clusters_with(vs, w)]) | some w in {w | some _, w in vs}; w != vs[c]})
}
