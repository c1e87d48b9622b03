package snapshot

import (
	"reflect"
	"testing"
)

func TestParseImage(t *testing.T) {
	const d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		in      string
		want    ImageRef
		wantErr bool
	}{
		{"nginx", ImageRef{"docker.io", "library/nginx", "", ""}, false},
		{"nginx:1.27", ImageRef{"docker.io", "library/nginx", "1.27", ""}, false},
		{"nginx:latest", ImageRef{"docker.io", "library/nginx", "latest", ""}, false},
		{"bitnami/redis:7", ImageRef{"docker.io", "bitnami/redis", "7", ""}, false},
		{"ghcr.io/org/app:v1", ImageRef{"ghcr.io", "org/app", "v1", ""}, false},
		{"registry.local:5000/team/app", ImageRef{"registry.local:5000", "team/app", "", ""}, false},
		{"registry.local:5000/team/app:2.0", ImageRef{"registry.local:5000", "team/app", "2.0", ""}, false},
		{"localhost/app:dev", ImageRef{"localhost", "app", "dev", ""}, false},
		{"localhost:5000/app", ImageRef{"localhost:5000", "app", "", ""}, false},
		{"nginx@" + d, ImageRef{"docker.io", "library/nginx", "", d}, false},
		{"quay.io/a/b:1.0@" + d, ImageRef{"quay.io", "a/b", "1.0", d}, false},
		{"registry.local:5000/app@" + d, ImageRef{"registry.local:5000", "app", "", d}, false},
		{"", ImageRef{}, true},
		{"nginx:", ImageRef{}, true},
		{"nginx@sha256", ImageRef{}, true},
		{"ghcr.io/", ImageRef{}, true},
		{"bad image", ImageRef{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseImage(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseImage(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in      string
		want    [3]int
		wantErr bool
	}{
		{"v1.36.3", [3]int{1, 36, 3}, false},
		{"1.29", [3]int{1, 29, 0}, false},
		{"v1.29.4-gke.100", [3]int{1, 29, 4}, false},
		{"v1.30.2+k3s1", [3]int{1, 30, 2}, false},
		{"v1", [3]int{}, true},
		{"vx.y.z", [3]int{}, true},
		{"", [3]int{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := ParseVersion(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !tt.wantErr && [3]int{v.Major, v.Minor, v.Patch} != tt.want {
				t.Errorf("got %+v, want %v", v, tt.want)
			}
		})
	}
}

func TestSkew(t *testing.T) {
	nodes := []Node{
		{Name: "same", KubeletVersion: "v1.33.0", ContainerRuntimeVersion: "containerd://1.7", OSImage: "A"},
		{Name: "three", KubeletVersion: "v1.30.9", ContainerRuntimeVersion: "containerd://1.7", OSImage: "A"},
		{Name: "four", KubeletVersion: "v1.29.1", ContainerRuntimeVersion: "cri-o://1.29", OSImage: "B"},
		{Name: "newer", KubeletVersion: "v1.34.0"},
		{Name: "junk", KubeletVersion: "unknown"},
	}
	tests := []struct {
		name   string
		server *ServerVersion
		want   map[string][3]any // skew, newer, tooOld
	}{
		{"gitVersion", &ServerVersion{GitVersion: "v1.33.2", Major: "1", Minor: "33"}, map[string][3]any{
			"same": {0, false, false}, "three": {3, false, false}, "four": {4, false, true}, "newer": {-1, true, false}, "junk": {0, false, false}}},
		{"provider minor with plus", &ServerVersion{GitVersion: "weird", Major: "1", Minor: "33+"}, map[string][3]any{
			"same": {0, false, false}, "three": {3, false, false}, "four": {4, false, true}, "newer": {-1, true, false}, "junk": {0, false, false}}},
		{"unknown server", nil, map[string][3]any{
			"same": {0, false, false}, "three": {0, false, false}, "four": {0, false, false}, "newer": {0, false, false}, "junk": {0, false, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Derive(nil, Options{Nodes: nodes, Server: tt.server}).Versions
			got := map[string][3]any{}
			for _, n := range v.Nodes {
				got[n.Name] = [3]any{n.Skew, n.NewerThanServer, n.TooOld}
				if n.Name == "junk" && (n.Error == "" || n.Kubelet != nil) {
					t.Errorf("junk node = %+v, want an error", n)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("skew = %v\nwant %v", got, tt.want)
			}
			wantRT := []Usage{{"containerd://1.7", []string{"same", "three"}}, {"cri-o://1.29", []string{"four"}}}
			if !reflect.DeepEqual(v.Runtimes, wantRT) {
				t.Errorf("runtimes = %+v", v.Runtimes)
			}
			if len(v.OSImages) != 2 || len(v.Kubelets) != 5 {
				t.Errorf("osImages = %+v, kubelets = %+v", v.OSImages, v.Kubelets)
			}
		})
	}
}

func TestImages(t *testing.T) {
	v := Derive(objects(t, `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds, namespace: n}
spec:
  template:
    spec:
      initContainers: [{name: i, image: "busybox:1.36"}]
      containers: [{name: c, image: "ghcr.io/o/a@sha256:abc"}, {name: bad, image: ""}]
`), Options{}).Versions
	type img struct{ c, typ, reg, repo, tag, dig string }
	var got []img
	for _, i := range v.Images {
		got = append(got, img{i.Container, i.ContainerType, i.Registry, i.Repository, i.Tag, i.Digest})
	}
	want := []img{
		{"c", "container", "ghcr.io", "o/a", "", "sha256:abc"},
		{"bad", "container", "", "", "", ""},
		{"i", "initContainer", "docker.io", "library/busybox", "1.36", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("images = %+v\nwant %+v", got, want)
	}
	if v.Images[1].Error == "" || v.Images[1].Path != "spec.template.spec.containers[1]" {
		t.Errorf("bad image = %+v", v.Images[1])
	}
}

// apiVersions groups objects by the apiVersion they are stored at, then by
// kind, each group sorted; objects without an apiVersion or kind are left out.
func TestAPIVersions(t *testing.T) {
	obj := func(apiVersion, kind, ns, name string) map[string]any {
		return map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"namespace": ns, "name": name}}
	}
	v := Derive([]map[string]any{
		obj("batch/v1beta1", "CronJob", "shop", "report"),
		obj("batch/v1", "CronJob", "shop", "b"),
		obj("batch/v1", "CronJob", "ops", "a"),
		obj("batch/v1", "Job", "ops", "once"),
		obj("", "CronJob", "shop", "no-version"),
		{"apiVersion": "v1", "metadata": map[string]any{"name": "no-kind"}},
	}, Options{})
	want := map[string]map[string][]Ref{
		"batch/v1beta1": {"CronJob": {{"batch/v1beta1", "CronJob", "shop", "report"}}},
		"batch/v1": {
			"CronJob": {{"batch/v1", "CronJob", "ops", "a"}, {"batch/v1", "CronJob", "shop", "b"}},
			"Job":     {{"batch/v1", "Job", "ops", "once"}},
		},
	}
	if got := v.Versions.APIVersions; !reflect.DeepEqual(got, want) {
		t.Errorf("apiVersions = %v, want %v", got, want)
	}
}
