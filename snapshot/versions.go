package snapshot

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Versions is the versions view: apiserver, kubelets, runtimes and images.
type Versions struct {
	Server   *Version      `json:"server"` // null when unknown (manifests)
	Nodes    []NodeVersion `json:"nodes"`
	Kubelets []Usage       `json:"kubelets"`
	Runtimes []Usage       `json:"runtimes"`
	OSImages []Usage       `json:"osImages"`
	Kernels  []Usage       `json:"kernels"`
	Images   []Image       `json:"images"`
	// APIVersions holds, for each apiVersion objects are stored at, the
	// objects of each kind stored there: what policies on deprecated and
	// removed APIs read, without iterating every object.
	APIVersions map[string]map[string][]Ref `json:"apiVersions"`
}

// Version is a parsed Kubernetes version.
type Version struct {
	GitVersion string `json:"gitVersion"`
	Major      int    `json:"major"`
	Minor      int    `json:"minor"`
	Patch      int    `json:"patch"`
}

// NodeVersion is one node's kubelet and its skew from the apiserver.
// Kubernetes supports kubelets up to 3 minors older than the apiserver and
// never newer.
type NodeVersion struct {
	Name                    string   `json:"name"`
	Kubelet                 *Version `json:"kubelet"` // null when unparseable
	ContainerRuntimeVersion string   `json:"containerRuntimeVersion"`
	OSImage                 string   `json:"osImage"`
	KernelVersion           string   `json:"kernelVersion"`
	Skew                    int      `json:"skew"`            // apiserver minor minus kubelet minor; 0 when either is unknown
	NewerThanServer         bool     `json:"newerThanServer"` // kubelet minor above the apiserver's
	TooOld                  bool     `json:"tooOld"`          // kubelet more than 3 minors older
	Error                   string   `json:"error,omitempty"`
}

// Usage is one value (a runtime, an OS image) and the nodes that use it.
type Usage struct {
	Value string   `json:"value"`
	Nodes []string `json:"nodes"`
}

// Image is one container image reference, parsed. Tag is empty when the
// reference has none (the runtime then pulls "latest" unless a digest is
// given).
type Image struct {
	From          Ref    `json:"from"`
	Controlled    bool   `json:"controlled"`
	Container     string `json:"container"`
	ContainerType string `json:"containerType"` // container, initContainer, ephemeralContainer
	Path          string `json:"path"`
	Image         string `json:"image"`
	Registry      string `json:"registry"`   // e.g. "docker.io", "registry.local:5000"
	Repository    string `json:"repository"` // e.g. "library/nginx"
	Tag           string `json:"tag"`
	Digest        string `json:"digest"` // e.g. "sha256:..."
	Error         string `json:"error,omitempty"`
}

func deriveVersions(objs []map[string]any, ws []workload, opts Options) *Versions {
	view := &Versions{Nodes: []NodeVersion{}, Images: []Image{}, APIVersions: apiVersions(objs)}
	if opts.Server != nil {
		v, err := ParseVersion(opts.Server.GitVersion)
		if err != nil {
			// Fall back on major and minor, which some providers suffix ("28+").
			mj, err1 := strconv.Atoi(strings.TrimRight(opts.Server.Major, "+"))
			mn, err2 := strconv.Atoi(strings.TrimRight(opts.Server.Minor, "+"))
			if err1 == nil && err2 == nil {
				v, err = Version{GitVersion: opts.Server.GitVersion, Major: mj, Minor: mn}, nil
			}
		}
		if err == nil {
			view.Server = &v
		}
	}
	usage := map[string]map[string][]string{"kubelet": {}, "runtime": {}, "os": {}, "kernel": {}}
	for _, n := range opts.Nodes {
		nv := NodeVersion{Name: n.Name, ContainerRuntimeVersion: n.ContainerRuntimeVersion, OSImage: n.OSImage, KernelVersion: n.KernelVersion}
		if kv, err := ParseVersion(n.KubeletVersion); err != nil {
			nv.Error = err.Error()
		} else {
			nv.Kubelet = &kv
			if s := view.Server; s != nil && s.Major == kv.Major {
				nv.Skew = s.Minor - kv.Minor
				nv.NewerThanServer = nv.Skew < 0
				nv.TooOld = nv.Skew > 3
			} else if s != nil {
				nv.NewerThanServer = kv.Major > s.Major
				nv.TooOld = kv.Major < s.Major
			}
		}
		for k, v := range map[string]string{"kubelet": n.KubeletVersion, "runtime": n.ContainerRuntimeVersion, "os": n.OSImage, "kernel": n.KernelVersion} {
			if v != "" {
				usage[k][v] = append(usage[k][v], n.Name)
			}
		}
		view.Nodes = append(view.Nodes, nv)
	}
	sort.Slice(view.Nodes, func(i, j int) bool { return view.Nodes[i].Name < view.Nodes[j].Name })
	view.Kubelets, view.Runtimes, view.OSImages, view.Kernels = usages(usage["kubelet"]), usages(usage["runtime"]), usages(usage["os"]), usages(usage["kernel"])
	// Sized before it is filled: a cluster has thousands of containers,
	// and an Image is large.
	containers := 0
	for _, w := range ws {
		containers += len(w.spec.Containers)
	}
	view.Images = make([]Image, 0, containers)
	for _, w := range ws {
		from, ctl := w.ref, w.controlled
		for _, c := range w.spec.Containers {
			name, _ := c.Container["name"].(string)
			ref, _ := c.Container["image"].(string)
			img := Image{From: from, Controlled: ctl, Container: name, ContainerType: c.Type, Path: c.Path, Image: ref}
			p, err := ParseImage(ref)
			if err != nil {
				img.Error = err.Error()
			} else {
				img.Registry, img.Repository, img.Tag, img.Digest = p.Registry, p.Repository, p.Tag, p.Digest
			}
			view.Images = append(view.Images, img)
		}
	}
	sortStable(view.Images, func(a, b *Image) int {
		return cmp.Or(compareRef(a.From, b.From), strings.Compare(a.Path, b.Path))
	})
	return view
}

// apiVersions groups objs by apiVersion and kind, each group's refs sorted.
// An object without an apiVersion or kind is left out.
func apiVersions(objs []map[string]any) map[string]map[string][]Ref {
	out := map[string]map[string][]Ref{}
	for _, o := range objs {
		r := refOf(o)
		if r.APIVersion == "" || r.Kind == "" {
			continue
		}
		kinds := out[r.APIVersion]
		if kinds == nil {
			kinds = map[string][]Ref{}
			out[r.APIVersion] = kinds
		}
		kinds[r.Kind] = append(kinds[r.Kind], r)
	}
	for _, kinds := range out {
		for _, refs := range kinds {
			slices.SortFunc(refs, compareRef)
		}
	}
	return out
}

func usages(m map[string][]string) []Usage {
	out := []Usage{}
	for _, v := range sortedKeys(m) {
		nodes := m[v]
		sort.Strings(nodes)
		out = append(out, Usage{Value: v, Nodes: nodes})
	}
	return out
}

// ParseVersion parses a Kubernetes version such as "v1.33.2" or
// "v1.29.4-gke.100" (a leading "v" is optional; pre-release and build
// suffixes are ignored).
func ParseVersion(s string) (Version, error) {
	v := Version{GitVersion: s}
	t := strings.TrimPrefix(s, "v")
	if i := strings.IndexAny(t, "-+"); i >= 0 {
		t = t[:i]
	}
	parts := strings.Split(t, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return v, fmt.Errorf("version %q: want vMAJOR.MINOR[.PATCH]", s)
	}
	nums := make([]int, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, fmt.Errorf("version %q: %q is not a number", s, p)
		}
		nums[i] = n
	}
	v.Major, v.Minor, v.Patch = nums[0], nums[1], nums[2]
	return v, nil
}

// ImageRef is a parsed container image reference, normalised as the
// container runtimes do: no registry means docker.io, and a single-name
// repository on docker.io is in "library/".
type ImageRef struct {
	Registry   string
	Repository string
	Tag        string
	Digest     string
}

// ParseImage parses an image reference: [registry[:port]/]path[:tag][@digest].
// The first path component is a registry when it contains "." or ":" or is
// "localhost".
func ParseImage(ref string) (ImageRef, error) {
	var r ImageRef
	if ref == "" {
		return r, fmt.Errorf("empty image reference")
	}
	if strings.ContainsAny(ref, " \t\n") {
		return r, fmt.Errorf("image %q: contains whitespace", ref)
	}
	name := ref
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name, r.Digest = name[:i], name[i+1:]
		algo, hex, ok := strings.Cut(r.Digest, ":")
		if !ok || algo == "" || hex == "" {
			return ImageRef{}, fmt.Errorf("image %q: invalid digest %q", ref, r.Digest)
		}
	}
	if i := strings.LastIndexByte(name, ':'); i >= 0 && !strings.Contains(name[i+1:], "/") {
		name, r.Tag = name[:i], name[i+1:]
		if r.Tag == "" {
			return ImageRef{}, fmt.Errorf("image %q: empty tag", ref)
		}
	}
	if first, rest, ok := strings.Cut(name, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		r.Registry, r.Repository = first, rest
	} else {
		r.Registry, r.Repository = "docker.io", name
	}
	if r.Repository == "" || strings.HasPrefix(r.Repository, "/") || strings.HasSuffix(r.Repository, "/") || strings.Contains(r.Repository, "//") {
		return ImageRef{}, fmt.Errorf("image %q: invalid repository", ref)
	}
	if r.Registry == "docker.io" && !strings.Contains(r.Repository, "/") {
		r.Repository = "library/" + r.Repository
	}
	return r, nil
}
