# METADATA
# title: Kubernetes minors more than one apart within an environment
# description: >-
#   Clusters that share an environment label should run the same Kubernetes
#   minor, or at most one apart during a rollout: otherwise what was tested
#   in one is not what runs in the other, and the older one falls behind on
#   fixes. The finding names each cluster that is more than one minor
#   behind the newest of its environment.
# custom:
#   id: FG-FLEET-001
#   severity: medium
#   scope: fleet
#   controls:
#     nsa-cisa-v1.2: ["upgrades/patching"]
#   remediation: >-
#     Upgrade the older clusters of the environment, one minor at a time,
#     until they are within one minor of the newest.
package fleetguard.fleet.version_spread

import data.fleetguard.fleet.lib.drift

newest(e) := max({c.minor | some c in drift.peers(e); c.minor != null})

newest_clusters(e) := concat(", ", {c.name | some c in drift.peers(e); c.minor == newest(e)})

violation contains {
	"msg": sprintf("cluster %s runs Kubernetes 1.%d, %d minors behind 1.%d in %s (env %q)", [c.name, c.minor, newest(e) - c.minor, newest(e), newest_clusters(e), e]),
	"cluster": c.name,
	"resource": {"kind": "Cluster", "name": c.name},
	"details": {"env": e, "minor": c.minor, "newest": newest(e)},
} if {
	some e in drift.envs
	some c in drift.peers(e)
	c.minor != null
	newest(e) - c.minor > 1
}
