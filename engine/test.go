package engine

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"

	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/fleetguard/fleetguard/policies"
)

// TestOptions tunes RunTests.
type TestOptions struct {
	// Run, when set, is a regular expression selecting tests by name, as in `opa test --run`.
	Run string
}

// RunTests runs the Rego unit tests (rules named test_*) of a policy
// directory, or of the embedded default bundle when dir is "", through OPA's
// tester. Only .rego files and data.json / data.yaml documents are loaded, so
// Gatekeeper YAML in the same tree is left alone.
func RunTests(ctx context.Context, dir string, opts TestOptions) ([]*tester.Result, error) {
	var fsys fs.FS = policies.FS
	name := "embedded bundle"
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("policy tests: %w", err)
		}
		fsys, name = os.DirFS(dir), dir
	}
	res, err := loader.NewFileLoader().WithFS(fsys).WithProcessAnnotation(true).Filtered([]string{"."}, onlyPolicyFiles)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", name, err)
	}
	store, err := res.Store()
	if err != nil {
		return nil, fmt.Errorf("loading data of %s: %w", name, err)
	}
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer store.Abort(ctx, txn)
	r := tester.NewRunner().SetModules(res.ParsedModules()).SetStore(store).CapturePrintOutput(true).RaiseBuiltinErrors(true)
	if opts.Run != "" {
		r = r.Filter(opts.Run)
	}
	ch, err := r.RunTests(ctx, txn)
	if err != nil {
		return nil, fmt.Errorf("running tests in %s: %w", name, err)
	}
	var out []*tester.Result
	for tr := range ch {
		out = append(out, tr)
	}
	return out, nil
}

// onlyPolicyFiles is a loader filter: it returns true for files to skip.
func onlyPolicyFiles(abspath string, info fs.FileInfo, _ int) bool {
	if info.IsDir() {
		return false
	}
	switch path.Ext(info.Name()) {
	case ".rego":
		return false
	case ".json", ".yaml", ".yml":
		n := info.Name()
		return n != "data.json" && n != "data.yaml"
	}
	return true
}
