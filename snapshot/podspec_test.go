package snapshot

import (
	"slices"
	"testing"
)

// TestWorkloadKindsArePodSpecKinds keeps WorkloadKinds, which the views and
// the audit iterate, in step with the kinds PodSpecOf reads.
func TestWorkloadKindsArePodSpecKinds(t *testing.T) {
	got := slices.Sorted(slices.Values(WorkloadKinds))
	want := sortedKeys(podSpecPaths)
	if !slices.Equal(got, want) {
		t.Errorf("WorkloadKinds = %v, want the kinds of podSpecPaths %v", got, want)
	}
}
