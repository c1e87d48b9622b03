# METADATA
# title: Aggregated ClusterRole drift
# description: >-
#   An aggregated ClusterRole's rules should be exactly the union of the
#   ClusterRoles its aggregationRule selects. Extra stored rules were added
#   by hand (and the controller will remove them); missing rules mean the
#   aggregation has not converged. For the built-in roles (label
#   kubernetes.io/bootstrapping=rbac-defaults) only extra rules are
#   reported, since missing ones only show that the controller-manager has
#   not run yet.
# custom:
#   id: FG-RBAC-116
#   severity: medium
#   scope: cluster
#   kinds: [rbac.authorization.k8s.io/ClusterRole]
#   controls:
#     nsa-cisa-v1.2: ["authz/rbac-least-privilege"]
#   remediation: >-
#     Put the rules in a ClusterRole labelled for aggregation instead of
#     editing the aggregated role, and check that the controller-manager's
#     clusterrole-aggregation controller is running.
package fleetguard.cluster.rbac.aggregation_drift

bootstrap(name) if {
	some r in input.snapshot.objects.ClusterRole
	r.metadata.name == name
	r.metadata.labels["kubernetes.io/bootstrapping"] == "rbac-defaults"
}

reportable(d) if not bootstrap(d.name)

reportable(d) if count(d.extra) > 0

violation contains {
	"msg": sprintf("aggregated ClusterRole %q differs from the roles it aggregates: %d rule(s) missing, %d extra", [d.name, count(d.missing), count(d.extra)]),
	"resource": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "name": d.name},
	"details": {"missing": d.missing, "extra": d.extra},
} if {
	some d in input.views.rbac.drift
	object.get(d, "error", "") == ""
	reportable(d)
}
