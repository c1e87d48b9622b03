package snapshot

import (
	"time"
)

// APIVersion and Kind identify the snapshot document format.
const (
	APIVersion = "fleetguard.dev/v1alpha1"
	Kind       = "ClusterSnapshot"
)

// Collection states of a snapshot. Only StateComplete means every kind was
// read; the others are never to be treated as compliant.
const (
	StateComplete    = "complete"
	StatePartial     = "partial"
	StateUnreachable = "unreachable"
)

// Snapshot is one cluster's state at one time: the document fetchers write and
// the engine reads. Objects holds plain decoded objects keyed by Kind
// ("Pod", "ClusterRole", ...); each object keeps its own apiVersion.
type Snapshot struct {
	APIVersion    string                      `json:"apiVersion"`
	Kind          string                      `json:"kind"`
	Cluster       Cluster                     `json:"cluster"`
	CollectedAt   time.Time                   `json:"collectedAt"`
	Status        Status                      `json:"status"`
	ServerVersion *ServerVersion              `json:"serverVersion,omitempty"`
	APIs          []GroupVersion              `json:"apis"`
	Nodes         []Node                      `json:"nodes"`
	Objects       map[string][]map[string]any `json:"objects"`
}

// Cluster identifies the cluster a snapshot was taken from.
type Cluster struct {
	Name    string            `json:"name"`
	Context string            `json:"context,omitempty"`
	Server  string            `json:"server,omitempty"`
	Labels  map[string]string `json:"labels,omitempty"`
}

// Status says how complete a snapshot is.
type Status struct {
	State        string   `json:"state"`                  // complete, partial or unreachable
	Errors       []Error  `json:"errors,omitempty"`       // what went wrong, per kind
	MissingKinds []string `json:"missingKinds,omitempty"` // kinds that could not be read
}

// Error is one collection error. Kind is the object kind being read, or empty
// for a cluster-wide failure (unreachable, timeout).
type Error struct {
	Kind    string `json:"kind,omitempty"`
	Message string `json:"message"`
}

// ServerVersion is the apiserver's /version answer.
type ServerVersion struct {
	GitVersion string `json:"gitVersion"`
	Major      string `json:"major"`
	Minor      string `json:"minor"`
}

// GroupVersion is one API group/version served by the cluster, from
// discovery, with its resources. GroupVersion is "v1" for the core group.
type GroupVersion struct {
	GroupVersion string     `json:"groupVersion"`
	Resources    []Resource `json:"resources,omitempty"`
}

// Resource is one served resource of a GroupVersion.
type Resource struct {
	Name       string `json:"name"` // plural, or "plural/subresource"
	Kind       string `json:"kind,omitempty"`
	Namespaced bool   `json:"namespaced"`
}

// Node is the part of a Node object the policies read.
type Node struct {
	Name                    string            `json:"name"`
	Labels                  map[string]string `json:"labels,omitempty"`
	KubeletVersion          string            `json:"kubeletVersion"`
	ContainerRuntimeVersion string            `json:"containerRuntimeVersion,omitempty"`
	OSImage                 string            `json:"osImage,omitempty"`
	KernelVersion           string            `json:"kernelVersion,omitempty"`
	Architecture            string            `json:"architecture,omitempty"`
}

// New returns an empty, complete snapshot for the named cluster, with the
// document header set.
func New(c Cluster, at time.Time) *Snapshot {
	return &Snapshot{
		APIVersion:  APIVersion,
		Kind:        Kind,
		Cluster:     c,
		CollectedAt: at.UTC(),
		Status:      Status{State: StateComplete},
		APIs:        []GroupVersion{},
		Nodes:       []Node{},
		Objects:     map[string][]map[string]any{},
	}
}

// Add sanitises obj (see Sanitize) and files it under its kind. Objects
// without a kind are ignored.
func (s *Snapshot) Add(obj map[string]any) {
	kind, _ := obj["kind"].(string)
	if kind == "" {
		return
	}
	if s.Objects == nil {
		s.Objects = map[string][]map[string]any{}
	}
	s.Objects[kind] = append(s.Objects[kind], Sanitize(obj))
}

// Kinds returns the kinds of the snapshot's objects, sorted: the order All
// lists them in.
func (s *Snapshot) Kinds() []string { return sortedKeys(s.Objects) }

// All returns every object of the snapshot, the kinds in Kinds order and
// objects in stored order. The slice is new; the objects are shared, not
// copied.
func (s *Snapshot) All() []map[string]any {
	n := 0
	for _, objs := range s.Objects {
		n += len(objs)
	}
	out := make([]map[string]any, 0, n)
	for _, k := range s.Kinds() {
		out = append(out, s.Objects[k]...)
	}
	return out
}

// Derive computes the derived views of the snapshot (see the package-level
// Derive), using its nodes, server version and missing kinds.
func (s *Snapshot) Derive() *Views {
	return Derive(s.All(), Options{Nodes: s.Nodes, Server: s.ServerVersion, MissingKinds: s.Status.MissingKinds})
}
