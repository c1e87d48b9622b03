package fetchers

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/fleetguard/fleetguard/internal/schema"
	"github.com/fleetguard/fleetguard/internal/yamlsafe"
	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// ConfigAPIVersion and ConfigKind identify a fleet config file. Both may be
// omitted (files written by internal/testfleet carry neither); when present
// they must have these values.
const (
	ConfigAPIVersion = "fleetguard.dev/v1alpha1"
	ConfigKind       = "FleetConfig"
)

// DefaultSystemNamespaces are the system namespaces of a cluster when the
// fleet config names none.
var DefaultSystemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease"}

//go:embed config.schema.json
var configSchemaJSON []byte

// ConfigSchema returns the JSON Schema of the fleet config file.
func ConfigSchema() []byte { return bytes.Clone(configSchemaJSON) }

var configSchema = schema.Compiled("https://fleetguard.dev/schemas/fleetconfig/v1alpha1.json", configSchemaJSON, false)

// Config is a fleet config: the clusters of a fleet, the kubeconfig context
// that reaches each, their labels and their system namespaces.
type Config struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	// Kubeconfig is the kubeconfig the contexts live in, made absolute
	// relative to the config file by LoadConfig. Empty: the usual rules.
	Kubeconfig string `json:"kubeconfig,omitempty"`
	// SystemNamespaces apply to every cluster that names none of its own;
	// DefaultSystemNamespaces when empty.
	SystemNamespaces []string        `json:"systemNamespaces,omitempty"`
	Clusters         []ClusterConfig `json:"clusters"`
}

// ClusterConfig is one cluster of a fleet config.
type ClusterConfig struct {
	// Name is the cluster's name in snapshots and reports (and its file name).
	Name string `json:"name"`
	// Context is the kubeconfig context; Name when empty.
	Context string `json:"context,omitempty"`
	// Labels such as env, region and tier.
	Labels map[string]string `json:"labels,omitempty"`
	// SystemNamespaces override the config-wide list for this cluster.
	SystemNamespaces []string `json:"systemNamespaces,omitempty"`
}

// LoadConfig reads and validates the fleet config at path. Errors name the
// file, the line and the JSON path of every problem.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading fleet config: %w", err)
	}
	c, err := ParseConfig(data, path)
	if err != nil {
		return nil, err
	}
	if c.Kubeconfig != "" && !filepath.IsAbs(c.Kubeconfig) {
		c.Kubeconfig = filepath.Join(filepath.Dir(path), c.Kubeconfig)
	}
	return c, nil
}

// ParseConfig validates and decodes a fleet config from YAML (or JSON).
// name is used in errors only. Contexts default to the cluster name.
func ParseConfig(data []byte, name string) (*Config, error) {
	js, err := yamlsafe.ToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("fleet config %s: %w", name, err)
	}
	var doc any
	d := json.NewDecoder(bytes.NewReader(js))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		return nil, fmt.Errorf("fleet config %s: %w", name, err)
	}
	sch, err := configSchema()
	if err != nil {
		return nil, err
	}
	if err := sch.Validate(doc); err != nil {
		problems := schema.Problems(err)
		if problems == nil {
			return nil, fmt.Errorf("fleet config %s: %w", name, err)
		}
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = fmt.Sprintf("%s: %s", where(data, name, pointer(p.Pointer)), p)
		}
		return nil, fmt.Errorf("fleet config %s: does not match the schema:\n  %s", name, strings.Join(lines, "\n  "))
	}
	var c Config
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return nil, fmt.Errorf("fleet config %s: %w", name, err)
	}
	seenName, seenCtx := map[string]int{}, map[string]int{}
	var problems []string
	for i := range c.Clusters {
		cl := &c.Clusters[i]
		if cl.Context == "" {
			cl.Context = cl.Name
		}
		if j, dup := seenName[cl.Name]; dup {
			problems = append(problems, fmt.Sprintf("%s: at /clusters/%d/name: %q is also cluster %d", where(data, name, []string{"clusters", strconv.Itoa(i), "name"}), i, cl.Name, j))
		}
		if j, dup := seenCtx[cl.Context]; dup {
			problems = append(problems, fmt.Sprintf("%s: at /clusters/%d/context: context %q is also used by cluster %d", where(data, name, []string{"clusters", strconv.Itoa(i), "context"}), i, cl.Context, j))
		}
		seenName[cl.Name], seenCtx[cl.Context] = i, i
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("fleet config %s:\n  %s", name, strings.Join(problems, "\n  "))
	}
	return &c, nil
}

// ByContext returns the cluster reached through context ctx, or nil.
func (c *Config) ByContext(ctx string) *ClusterConfig {
	if c == nil {
		return nil
	}
	for i := range c.Clusters {
		if c.Clusters[i].Context == ctx {
			return &c.Clusters[i]
		}
	}
	return nil
}

// SystemNamespacesOf returns the system namespaces of the named cluster: its
// own list, else the config-wide list, else DefaultSystemNamespaces.
func (c *Config) SystemNamespacesOf(cluster string) []string {
	if cl := c.byName(cluster); cl != nil && len(cl.SystemNamespaces) > 0 {
		return slices.Clone(cl.SystemNamespaces)
	}
	if c != nil && len(c.SystemNamespaces) > 0 {
		return slices.Clone(c.SystemNamespaces)
	}
	return slices.Clone(DefaultSystemNamespaces)
}

// pointer splits a JSON pointer into unescaped tokens.
func pointer(p string) []string {
	if p == "" || p == "/" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range parts {
		parts[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
	}
	return parts
}

// where returns "name:line" for the YAML node at path, or the closest
// ancestor that exists; "name" alone when the YAML cannot be walked.
func where(data []byte, name string, path []string) string {
	var root yamlv3.Node
	if err := yamlv3.Unmarshal(data, &root); err != nil || len(root.Content) == 0 {
		return name
	}
	n := root.Content[0]
	line := n.Line
	for _, tok := range path {
		var next *yamlv3.Node
		switch n.Kind {
		case yamlv3.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == tok {
					next = n.Content[i+1]
					break
				}
			}
		case yamlv3.SequenceNode:
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
			}
		}
		if next == nil {
			break
		}
		n, line = next, next.Line
	}
	// yaml.v3 puts the null of an empty document on the line after it,
	// which may be past the end of the input.
	line = min(line, bytes.Count(data, []byte("\n"))+1)
	return name + ":" + strconv.Itoa(line)
}
