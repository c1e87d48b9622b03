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

# strictest[e][ns] is the strictest level namespace ns enforces in a cluster
# of environment e, as a strength, and the clusters that enforce it:
# computed once per environment, not once per cluster.
strictest[e] := {ns: {"top": top, "clusters": clusters} |
	some ns in {ns | some c in readable(e); some ns, _ in c.namespaces}
	top := max({strength(level(d, ns)) | some d in readable(e); level(d, ns)})
	clusters := {d.name | some d in readable(e); strength(level(d, ns)) == top}
} if {
	some e in drift.envs
}

# readable(e) are the clusters of environment e whose namespaces could be read.
readable(e) := [c | some c in drift.peers(e); c.namespaces != null]

violation contains {
	"msg": sprintf("namespace %q enforces %s in cluster %s, but %s in %s (env %q)", [ns, shown(mine), c.name, shown(best), concat(", ", s.clusters), e]),
	"cluster": c.name,
	"resource": {"apiVersion": "v1", "kind": "Namespace", "name": ns},
	"details": {"env": e, "level": mine, "stricter": best},
} if {
	some e, by_ns in strictest
	some c in readable(e)
	some ns, _ in c.namespaces
	mine := level(c, ns)
	s := by_ns[ns]
	strength(mine) < s.top
	best := [l | some l, r in rank; r == s.top][0]
}
