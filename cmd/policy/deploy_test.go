package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestDeployArgsAreFlags parses the container arguments of the shipped
// manifests with the real command tree, so a renamed or removed flag fails
// here rather than in a user's cluster.
func TestDeployArgsAreFlags(t *testing.T) {
	envRef := regexp.MustCompile(`\$\([A-Z_]+\)`)
	for _, tc := range []struct {
		file string
		path []string // to the pod spec
	}{
		{"../../deploy/agent/cronjob.yaml", []string{"spec", "jobTemplate", "spec", "template", "spec"}},
		{"../../deploy/webhook/deployment.yaml", []string{"spec", "template", "spec"}},
	} {
		raw, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(raw, &obj); err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		spec := obj
		for _, k := range tc.path {
			spec, _ = spec[k].(map[string]any)
		}
		containers, _ := spec["containers"].([]any)
		if len(containers) == 0 {
			t.Fatalf("%s: no containers at %s", tc.file, strings.Join(tc.path, "."))
		}
		for _, c := range containers {
			var args []string
			for _, a := range c.(map[string]any)["args"].([]any) {
				args = append(args, envRef.ReplaceAllString(a.(string), "x"))
			}
			cmd, rest, err := newRoot().Find(args)
			if err != nil {
				t.Fatalf("%s: %v", tc.file, err)
			}
			if cmd.Name() != args[0] {
				t.Fatalf("%s: args start with %q, which is no policy command", tc.file, args[0])
			}
			if err := cmd.ParseFlags(rest); err != nil {
				t.Errorf("%s: %s: %v", tc.file, cmd.Name(), err)
			}
		}
	}
}
