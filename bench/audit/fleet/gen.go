package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/fleetguard/fleetguard/bench/corpus/shapes"
	"github.com/fleetguard/fleetguard/snapshot"
)

// genParams identify a generated fleet; a directory whose stamp matches is
// reused, anything else is regenerated.
type genParams struct {
	Clusters int     `json:"clusters"`
	Objects  int     `json:"objects"`
	Bad      float64 `json:"bad"`
	Version  int     `json:"version"` // bump when the shapes change
}

const genVersion = 1

// collected is the fixed collection time of every generated snapshot, so
// the files (and their digests) are the same on every machine.
var collected = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// ensureFleet generates the fleet into dir unless the stamp says it is there.
func ensureFleet(dir string, p genParams) ([]string, error) {
	paths := make([]string, p.Clusters)
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("%s.json.gz", clusterName(i)))
	}
	stamp := filepath.Join(dir, "fleet.json")
	want, _ := json.Marshal(p)
	if got, err := os.ReadFile(stamp); err == nil {
		// Cluster i is the same whatever the fleet's size, so a larger
		// fleet with the same parameters serves a smaller one.
		var have genParams
		if json.Unmarshal(got, &have) == nil && have.Clusters >= p.Clusters {
			have.Clusters = p.Clusters
			if have == p {
				return paths, nil
			}
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	t0 := time.Now()
	jobs := make(chan int)
	errs := make([]error, p.Clusters)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range jobs {
				s, err := genCluster(i, p)
				if err == nil {
					err = snapshot.Save(paths[i], s)
				}
				errs[i] = err
			}
		})
	}
	for i := range p.Clusters {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(os.Stderr, "generated %d snapshots of %d objects in %s in %s\n", p.Clusters, p.Objects, dir, time.Since(t0).Round(time.Second))
	return paths, os.WriteFile(stamp, want, 0o644)
}

func clusterName(i int) string { return fmt.Sprintf("cluster-%03d", i) }

// genCluster builds one cluster's snapshot: its namespaces (40 teams and the
// system ones), a few ClusterRoleBindings, 12 nodes, then namespaced objects
// in the shapes.Cluster mix up to p.Objects objects in all. Clusters differ
// in labels, server version and kubelet versions, so fleet policies have
// something to compare.
func genCluster(i int, p genParams) (*snapshot.Snapshot, error) {
	r := rand.New(rand.NewPCG(uint64(i)+1, 7))
	envs := []string{"prod", "prod", "staging", "dev"}
	regions := []string{"us-east-1", "eu-west-1", "ap-south-1"}
	name := clusterName(i)
	s := snapshot.New(snapshot.Cluster{
		Name: name, Context: name, Server: fmt.Sprintf("https://%s.example.com:6443", name),
		Labels: map[string]string{"env": envs[i%len(envs)], "region": regions[i%len(regions)], "tier": []string{"critical", "standard"}[i%2]},
	}, collected)
	minor := []int{36, 36, 36, 35, 35, 34, 33}[i%7]
	patch := 1 + i%4
	s.ServerVersion = &snapshot.ServerVersion{GitVersion: fmt.Sprintf("v1.%d.%d", minor, patch), Major: "1", Minor: fmt.Sprint(minor)}
	s.APIs = []snapshot.GroupVersion{
		{GroupVersion: "v1"}, {GroupVersion: "apps/v1"}, {GroupVersion: "batch/v1"}, {GroupVersion: "networking.k8s.io/v1"},
		{GroupVersion: "rbac.authorization.k8s.io/v1"}, {GroupVersion: "admissionregistration.k8s.io/v1"}, {GroupVersion: "policy/v1"},
	}
	for n := range 12 {
		kubelet := minor
		if n%4 == 3 {
			kubelet = minor - 1 - n%3 // some nodes lag behind, a few past the skew limit
		}
		s.Nodes = append(s.Nodes, snapshot.Node{
			Name: fmt.Sprintf("node-%02d", n), Labels: map[string]string{"kubernetes.io/os": "linux", "node-role.kubernetes.io/worker": ""},
			KubeletVersion: fmt.Sprintf("v1.%d.%d", kubelet, patch), ContainerRuntimeVersion: "containerd://1.7.22",
			OSImage: "Ubuntu 24.04.1 LTS", KernelVersion: "6.8.0-48-generic", Architecture: "amd64",
		})
	}
	seq := 0
	add := func(doc string) error {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			return fmt.Errorf("cluster %s: generated object %d: %w", name, seq, err)
		}
		md, _ := obj["metadata"].(map[string]any)
		if md != nil { // what a live cluster adds to every object
			md["uid"] = fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", i, seq>>16, seq&0xfff, r.IntN(0x1000), r.Uint64()&0xffffffffffff)
			md["resourceVersion"] = fmt.Sprint(100000 + seq)
			md["creationTimestamp"] = collected.Add(-time.Duration(r.IntN(90*24)) * time.Hour).Format(time.RFC3339)
		}
		s.Add(obj)
		seq++
		return nil
	}
	const teams = 40
	system := []string{"default", "kube-system", "kube-public", "kube-node-lease"}
	for _, ns := range system {
		if err := add(shapes.Namespace(r, 0, ns, ns == "kube-system")); err != nil {
			return nil, err
		}
	}
	for t := range teams {
		if err := add(shapes.Namespace(r, t, fmt.Sprintf("team-%02d", t), r.Float64() < p.Bad/2)); err != nil {
			return nil, err
		}
	}
	for c := range 20 {
		if err := add(shapes.ClusterRoleBinding(r, c, fmt.Sprintf("team-%02d", c), c == 0 && i%3 == 0)); err != nil {
			return nil, err
		}
	}
	for k := 0; seq < p.Objects; k++ {
		ns := fmt.Sprintf("team-%02d", k%teams)
		if err := add(shapes.Cluster[k%len(shapes.Cluster)](r, k, ns, r.Float64() < p.Bad)); err != nil {
			return nil, err
		}
	}
	return s, nil
}
