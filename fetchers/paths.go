package fetchers

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Paths maps each cluster name to its output file and creates the
// directories. Names are made safe for file names (a context like
// arn:aws:eks:...:cluster/x keeps its name in the snapshot).
func Paths(targets []Target, out string, gz bool) (map[string]string, error) {
	paths := map[string]string{}
	seen := map[string]string{}
	for _, t := range targets {
		file := fileName(t.Cluster.Name)
		var p string
		if strings.Contains(out, "{name}") {
			p = strings.ReplaceAll(out, "{name}", file)
		} else {
			ext := ".json"
			if gz {
				ext = ".json.gz"
			}
			p = filepath.Join(out, file+ext)
		}
		if other, dup := seen[p]; dup {
			return nil, fmt.Errorf("clusters %q and %q would both write %s", other, t.Cluster.Name, p)
		}
		seen[p] = t.Cluster.Name
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		paths[t.Cluster.Name] = p
	}
	return paths, nil
}

// fileName replaces every character outside [A-Za-z0-9._-] with '_'.
func fileName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, name)
}
