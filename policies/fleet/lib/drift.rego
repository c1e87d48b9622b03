# Helpers for the fleet policies: grouping clusters by environment and
# finding the clusters that differ from the others. No violation rule.
package fleetguard.fleet.lib.drift

# env(c) is the cluster's environment label, undefined when it has none.
env(c) := c.labels.env

# peers(e) are the clusters of environment e.
peers(e) := [c | some c in input.clusters; env(c) == e]

# envs are the environment labels shared by at least two clusters.
envs contains e if {
	some c in input.clusters
	e := env(c)
	count(peers(e)) > 1
}

# outliers(values) takes an object cluster name -> value and returns the
# clusters whose value is not the one most clusters share. When no value is
# shared by more clusters than every other, all the tied clusters are
# outliers: nothing says which of them is right.
outliers(values) := {c |
	some c, v in values
	mine := count({d | some d, w in values; w == v})
	some other, w in values
	w != v
	count({d | some d, x in values; x == w}) >= mine
}

# others(values, v) lists, for the values that differ from v, "value in a, b".
clusters_with(values, v) := concat(", ", {c | some c, w in values; w == v})
