package reports

import (
	"bytes"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestOpenReports(t *testing.T) {
	r := fixture()
	for _, api := range []string{OpenReportsAPI, PolicyReportAPI} {
		t.Run(api, func(t *testing.T) {
			objs := OpenReports{APIVersion: api}.Objects(r)
			if len(objs) == 0 {
				t.Fatal("no report objects")
			}
			total := map[string]int{}
			for _, o := range objs {
				if o.Object["apiVersion"] != api {
					t.Errorf("apiVersion = %v", o.Object["apiVersion"])
				}
				md := o.Object["metadata"].(map[string]any)
				kind := o.Object["kind"].(string)
				_, namespaced := md["namespace"]
				if namespaced == strings.HasPrefix(kind, "Cluster") {
					t.Errorf("%s with namespace %v", kind, md["namespace"])
				}
				if md["annotations"].(map[string]any)["fleetguard.dev/cluster"] != o.Cluster {
					t.Errorf("cluster annotation %v, want %q", md["annotations"], o.Cluster)
				}
				results := o.Object["results"].([]map[string]any)
				summary := o.Object["summary"].(map[string]int)
				n := 0
				for _, res := range results {
					total[res["result"].(string)]++
					n++
					props := res["properties"].(map[string]any)
					for k, v := range props {
						if _, ok := v.(string); !ok {
							t.Errorf("property %s is %T, want string", k, v)
						}
					}
					if res["result"] == "skip" && props["exception.reason"] == "" {
						t.Errorf("skipped result without exception reason: %v", res)
					}
				}
				if summary["pass"]+summary["fail"]+summary["warn"]+summary["skip"]+summary["error"] != n {
					t.Errorf("summary %v does not add up to %d results", summary, n)
				}
			}
			excepted := 0
			for _, f := range r.Findings {
				if f.Excepted != nil {
					excepted++
				}
			}
			if total["fail"]+total["warn"] != len(r.Findings)-excepted || total["skip"] != excepted || total["pass"] != len(r.Passes) {
				t.Errorf("results %v, want %d failing, %d skipped, %d passing", total, len(r.Findings)-excepted, excepted, len(r.Passes))
			}
		})
	}
}

func TestOpenReportsYAMLStream(t *testing.T) {
	var buf bytes.Buffer
	if err := (OpenReports{}).Write(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(buf.String(), "\n---\n")
	if len(docs) != len(OpenReports{}.Objects(fixture())) {
		t.Fatalf("%d documents", len(docs))
	}
	for _, d := range docs {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(d), &obj); err != nil {
			t.Fatalf("document does not parse: %v\n%s", err, d)
		}
		if obj["kind"] != "Report" && obj["kind"] != "ClusterReport" {
			t.Errorf("kind = %v", obj["kind"])
		}
	}
}
