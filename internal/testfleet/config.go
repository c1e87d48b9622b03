package testfleet

import (
	"fmt"
	"os"
	"slices"

	yamlv3 "go.yaml.in/yaml/v3"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"
)

// SystemNamespaces are the namespaces the fleet config marks as system ones.
var SystemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease"}

// Config is the fleet config written next to the kubeconfig (fleet.yaml).
type Config struct {
	// Kubeconfig is the absolute path of the kubeconfig it goes with.
	Kubeconfig string `json:"kubeconfig" yaml:"kubeconfig"`
	// Clusters in start order.
	Clusters []ConfigCluster `json:"clusters" yaml:"clusters"`
}

// ConfigCluster is one cluster of the fleet config.
type ConfigCluster struct {
	// Name of the cluster, also its admin context.
	Name string `json:"name" yaml:"name"`
	// Context to audit through: the admin context of the same name.
	Context string `json:"context" yaml:"context"`
	// Labels such as env, region and tier, for fleet-scope policies.
	Labels map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
	// SystemNamespaces are exempt from workload policies.
	SystemNamespaces []string `json:"systemNamespaces,omitempty" yaml:"systemNamespaces,omitempty"`
}

// ReadConfig parses a fleet config file.
func ReadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading fleet config: %w", err)
	}
	var c Config
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		return nil, fmt.Errorf("parsing fleet config %s: %w", path, err)
	}
	return &c, nil
}

// writeKubeconfig writes one cluster, two users (admin and auditor) and two
// contexts (<name> and <name>-auditor) per cluster. The current context is
// the first cluster.
func (f *Fleet) writeKubeconfig() error {
	cfg := clientcmdapi.NewConfig()
	for _, c := range f.Clusters {
		cl := clientcmdapi.NewCluster()
		cl.Server = c.Server
		cl.CertificateAuthorityData = c.CAData
		cfg.Clusters[c.Name] = cl
		for ctxName, user := range map[string]string{c.Context: Admin, c.AuditorContext: Auditor} {
			ai := clientcmdapi.NewAuthInfo()
			ai.Token = c.tokens[user]
			cfg.AuthInfos[c.Name+"-"+user] = ai
			cx := clientcmdapi.NewContext()
			cx.Cluster = c.Name
			cx.AuthInfo = c.Name + "-" + user
			cx.Namespace = "default"
			cfg.Contexts[ctxName] = cx
		}
	}
	cfg.CurrentContext = f.Clusters[0].Context
	if err := clientcmd.WriteToFile(*cfg, f.Kubeconfig); err != nil {
		return fmt.Errorf("writing kubeconfig %s: %w", f.Kubeconfig, err)
	}
	return nil
}

// writeConfig writes fleet.yaml.
func (f *Fleet) writeConfig() error {
	cfg := Config{Kubeconfig: f.Kubeconfig}
	for _, c := range f.Clusters {
		cfg.Clusters = append(cfg.Clusters, ConfigCluster{
			Name: c.Name, Context: c.Context, Labels: c.Labels,
			SystemNamespaces: slices.Clone(SystemNamespaces),
		})
	}
	b, err := yamlv3.Marshal(cfg) // keeps field order, unlike sigs.k8s.io/yaml
	if err != nil {
		return err
	}
	b = append([]byte("# Written by internal/testfleet. Labels are not a kubeconfig concept, so they live here.\n"), b...)
	if err := os.WriteFile(f.Config, b, 0o644); err != nil {
		return fmt.Errorf("writing fleet config %s: %w", f.Config, err)
	}
	return nil
}
