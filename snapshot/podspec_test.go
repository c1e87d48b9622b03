package snapshot

import (
	"slices"
	"strconv"
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

// PodSpecOf lists every container of a pod template, init containers
// first, with the path a finding points at, also past the paths it makes
// in advance; entries that are not objects are skipped, keeping indexes.
func TestPodSpecOfContainers(t *testing.T) {
	many := make([]any, 10)
	for i := range many {
		many[i] = map[string]any{"name": "c" + string(rune('0'+i))}
	}
	many[3] = "not a container"
	obj := map[string]any{
		"kind": "CronJob",
		"spec": map[string]any{"jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{
			"metadata": map[string]any{"labels": map[string]any{"app": "report"}},
			"spec": map[string]any{
				"initContainers": []any{map[string]any{"name": "init"}},
				"containers":     many,
			},
		}}}},
	}
	ps, ok := PodSpecOf(obj)
	if !ok {
		t.Fatal("no pod spec in a CronJob")
	}
	if ps.Path != "spec.jobTemplate.spec.template.spec" || ps.Metadata["labels"] == nil {
		t.Errorf("path %q, metadata %v", ps.Path, ps.Metadata)
	}
	var got []string
	for _, c := range ps.Containers {
		got = append(got, c.Type+" "+c.Path+" "+c.Container["name"].(string))
		if c.Container["name"] != ps.Spec[c.Field].([]any)[c.Index].(map[string]any)["name"] {
			t.Errorf("%s: Field and Index do not point at the container", c.Path)
		}
	}
	want := []string{"initContainer spec.jobTemplate.spec.template.spec.initContainers[0] init"}
	for i := range many {
		if i != 3 {
			want = append(want, "container spec.jobTemplate.spec.template.spec.containers["+strconv.Itoa(i)+"] c"+strconv.Itoa(i))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("containers:\n got %q\nwant %q", got, want)
	}
	if ps, ok := PodSpecOf(map[string]any{"kind": "Pod", "spec": map[string]any{}}); !ok || ps.Containers != nil {
		t.Errorf("a Pod without containers: %v, %v", ps.Containers, ok)
	}
	if _, ok := PodSpecOf(map[string]any{"kind": "Service", "spec": map[string]any{}}); ok {
		t.Error("a Service has no pod spec")
	}
}
