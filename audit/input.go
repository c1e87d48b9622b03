package audit

import "github.com/fleetguard/fleetguard/snapshot"

// clusterInput builds the cluster-scope policy input (policies/README.md,
// "Cluster scope"). STUB: the compliance-policies work replaces it.
func clusterInput(s *snapshot.Snapshot, v *snapshot.Views, opts Options) map[string]any {
	return map[string]any{"cluster": s.Cluster, "views": v}
}

// fleetInput builds the fleet-scope policy input. STUB.
func fleetInput(cs []*cluster, opts Options) map[string]any {
	return map[string]any{"clusters": []any{}}
}
