package snapshot

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		want      string
		leaksWant []string
	}{
		{
			name: "last-applied and managedFields on any object",
			in: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","managedFields":[{"manager":"kubectl"}],
			      "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"CANARY\":1}","team":"a"}}}`,
			want:      `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","annotations":{"team":"a"}}}`,
			leaksWant: []string{"metadata.managedFields", "metadata.annotations." + LastApplied},
		},
		{
			name:      "annotations emptied are dropped",
			in:        `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"x"}}}`,
			want:      `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"}}`,
			leaksWant: []string{"metadata.annotations." + LastApplied},
		},
		{
			name:      "secret values",
			in:        `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"type":"Opaque","data":{"a":"Q0FOQVJZ","b":"eA=="},"stringData":{"c":"CANARY"}}`,
			want:      `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"type":"Opaque","dataKeys":3}`,
			leaksWant: []string{"data", "stringData"},
		},
		{
			name: "secret from the metadata client has no count",
			in:   `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"type":"Opaque"}`,
			want: `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"type":"Opaque"}`,
		},
		{
			name:      "configmap keeps name and namespace",
			in:        `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"n","labels":{"a":"b"}},"data":{"k":"CANARY"},"binaryData":{"b":"eA=="}}`,
			want:      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"n"}}`,
			leaksWant: []string{"data", "binaryData"},
		},
		{
			name: "pod env values, all container types",
			in: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{
			      "initContainers":[{"name":"i","env":[{"name":"A","value":"CANARY"}]}],
			      "containers":[{"name":"c","env":[{"name":"B","value":"CANARY"},{"name":"C","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}]}],
			      "ephemeralContainers":[{"name":"e","env":[{"name":"D","value":""}]}]}}`,
			want: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{
			      "initContainers":[{"name":"i","env":[{"name":"A"}]}],
			      "containers":[{"name":"c","env":[{"name":"B"},{"name":"C","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}]}],
			      "ephemeralContainers":[{"name":"e","env":[{"name":"D"}]}]}}`,
			leaksWant: []string{"spec.initContainers[0].env[0].value", "spec.containers[0].env[0].value", "spec.ephemeralContainers[0].env[0].value"},
		},
		{
			name:      "deployment template",
			in:        `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"c","env":[{"name":"A","value":"CANARY"}]}]}}}}`,
			want:      `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"c","env":[{"name":"A"}]}]}}}}`,
			leaksWant: []string{"spec.template.spec.containers[0].env[0].value"},
		},
		{
			name:      "cronjob template",
			in:        `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"cj"},"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"c","env":[{"name":"A","value":"CANARY"}]}]}}}}}}`,
			want:      `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"cj"},"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"c","env":[{"name":"A"}]}]}}}}}}`,
			leaksWant: []string{"spec.jobTemplate.spec.template.spec.containers[0].env[0].value"},
		},
		{
			name:      "list items",
			in:        `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"a":"eA=="}}]}`,
			want:      `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"dataKeys":1}]}`,
			leaksWant: []string{"items[0].data"},
		},
		{
			name: "unexpected shapes are left alone",
			in:   `{"apiVersion":"v1","kind":"Pod","metadata":"x","spec":{"containers":["x",{"name":"c","env":"y"}]}}`,
			want: `{"apiVersion":"v1","kind":"Pod","metadata":"x","spec":{"containers":["x",{"name":"c","env":"y"}]}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in, want map[string]any
			if err := json.Unmarshal([]byte(tt.in), &in); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			leaks := Leaks(in)
			if len(leaks) != len(tt.leaksWant) || (len(leaks) > 0 && !reflect.DeepEqual(sorted(leaks), sorted(tt.leaksWant))) {
				t.Errorf("Leaks before = %q, want %q", leaks, tt.leaksWant)
			}
			got := Sanitize(in)
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if string(g) != string(w) {
				t.Errorf("Sanitize = %s\nwant       %s", g, w)
			}
			if l := Leaks(got); len(l) != 0 {
				t.Errorf("Leaks after = %q, want none", l)
			}
			b, _ := json.Marshal(got)
			if strings.Contains(string(b), "CANARY") || strings.Contains(string(b), "Q0FOQVJZ") {
				t.Errorf("canary survived: %s", b)
			}
			again, _ := json.Marshal(Sanitize(got))
			if string(again) != string(b) {
				t.Errorf("Sanitize is not idempotent: %s then %s", b, again)
			}
		})
	}
}

func sorted(l []string) []string {
	c := append([]string{}, l...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return c
}
