# Helpers for the fleet policies: grouping clusters by environment and
# finding the clusters that differ from the others. No violation rule.
package fleetguard.fleet.lib.drift

# env(c) is the cluster's environment label, undefined when it has none.
env(c) := c.labels.env

# by_env[e] are the clusters of environment e, computed once per evaluation.
by_env[e] := [c | some c in input.clusters; env(c) == e] if {
	some e in {env(c) | some c in input.clusters}
}

# peers(e) are the clusters of environment e.
peers(e) := by_env[e]

# envs are the environment labels shared by at least two clusters.
envs contains e if {
	some e, cs in by_env
	count(cs) > 1
}

# outliers(values) takes an object cluster name -> value and returns the
# clusters whose value is not the one most clusters share. When no value is
# shared by more clusters than every other, every cluster is an outlier:
# nothing says which of them is right.
outliers(values) := {c | some c, v in values; v != m} if {
	m := majority(values)
} else := {c | some c, _ in values} if {
	count({v | some _, v in values}) > 1
} else := set()

# majority(values) is the value more clusters share than any other value;
# undefined when several values tie, or values is empty.
majority(values) := top[0] if {
	tally := {v: count({c | some c, w in values; w == v}) | some _, v in values}
	most := max({n | some _, n in tally})
	top := [v | some v, n in tally; n == most]
	count(top) == 1
}

# others(values, v) lists, for the values that differ from v, "value in a, b".
clusters_with(values, v) := concat(", ", {c | some c, w in values; w == v})
