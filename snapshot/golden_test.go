package snapshot

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// TestDeriveGolden pins the JSON shape of the views, which the Rego policies
// read, on the fixture snapshot. Run with -update to rewrite it.
func TestDeriveGolden(t *testing.T) {
	s, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(s.Derive(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	const golden = "../testdata/snapshot/views.golden.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("views differ from %s (run go test -update and review the diff):\n%s", golden, got)
	}
	again, _ := json.MarshalIndent(s.Derive(), "", "  ")
	if !bytes.Equal(append(again, '\n'), got) {
		t.Error("Derive is not deterministic")
	}
}
