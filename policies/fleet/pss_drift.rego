# METADATA
# title: Pod Security level drift within an environment
# description: >-
#   A namespace enforces a weaker Pod Security level (label
#   pod-security.kubernetes.io/enforce) in one cluster than in another
#   cluster of the same environment: pods refused in one are admitted in the
#   other. A missing label counts as privileged. The cluster with the weaker
#   level is reported.
# custom:
#   id: FG-FLEET-004
#   severity: medium
#   scope: fleet
#   kinds: [Namespace]
#   controls:
#     cis-k8s-v1.10: ["5.2.1"]
#     nsa-cisa-v1.2: ["pod-security/enforcement"]
#   remediation: >-
#     Set the same pod-security.kubernetes.io/enforce level on the namespace
#     in every cluster of the environment, the strictest the workloads allow.
package fleetguard.fleet.pss_drift

import data.fleetguard.fleet.lib.drift

rank := {"privileged": 0, "baseline": 1, "restricted": 2}

level(c, ns) := object.get(c.namespaces[ns], "pssEnforce", "") if c.namespaces[ns]

strength(l) := object.get(rank, l, 0)

shown(l) := "no level (privileged)" if l == ""

else := sprintf("%q", [l])

violation contains {
	"msg": sprintf("namespace %q enforces %s in cluster %s, but %s in %s (env %q)", [ns, shown(mine), c.name, shown(best), concat(", ", stricter), e]),
	"cluster": c.name,
	"resource": {"apiVersion": "v1", "kind": "Namespace", "name": ns},
	"details": {"env": e, "level": mine, "stricter": best},
} if {
	some e in drift.envs
	some c in drift.peers(e)
	c.namespaces != null
	some ns, _ in c.namespaces
	mine := level(c, ns)
	top := max({strength(level(d, ns)) | some d in drift.peers(e); d.namespaces != null; level(d, ns)})
	strength(mine) < top
	best := [l | some l, r in rank; r == top][0]
	stricter := {d.name | some d in drift.peers(e); d.namespaces != null; strength(level(d, ns)) == top}
}
