package yamlsafe

import (
	"errors"
	"strings"
	"testing"

	"github.com/fleetguard/fleetguard/internal/yamlsafe/yamltest"
)

func TestCheckAliases(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		line int // of the AliasError; 0 for none
	}{
		{"no aliases", "a: 1\nb: [x, y]\n", 0},
		{"an honest anchor", "base: &b {cpu: 1, memory: 2Gi}\nx: *b\ny: *b\nz: *b\n", 0},
		{"an anchor used inside itself", "a: &a [*a]\n", 0}, // the decoder refuses it
		{"does not parse", "a: &a [\n", 0},
		// About 650 bytes allow 16,500; a0 to a10 make 12,000, and a11 on
		// line 12 another 12,000 (8,191 values and 4,096 bytes of scalars).
		{"doubling 32 times", string(yamltest.Hostile()[0]), 12},
		// 17,000 bytes allow 180,000: a0 to a2 make 115,000, and a3 on
		// line 6 another 131,000.
		{"a long string doubled 10 times", string(yamltest.LongStringBomb("k: v\n", 16<<10)), 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckAliases([]byte(c.doc))
			var bomb *AliasError
			switch {
			case c.line == 0 && err != nil:
				t.Fatalf("CheckAliases = %v, want nil", err)
			case c.line != 0 && !errors.As(err, &bomb):
				t.Fatalf("CheckAliases = %v, want an AliasError", err)
			case c.line != 0 && bomb.Line != c.line:
				t.Fatalf("line = %d, want %d (%v)", bomb.Line, c.line, err)
			}
		})
	}
}

func TestToJSON(t *testing.T) {
	js, err := ToJSON([]byte("base: &b {cpu: 1}\nx: *b\n"))
	if err != nil || string(js) != `{"base":{"cpu":1},"x":{"cpu":1}}` {
		t.Fatalf("ToJSON = %s, %v", js, err)
	}
	if _, err := ToJSON(yamltest.LongStringBomb("", 4096)); err == nil || !strings.HasPrefix(err.Error(), "line 5: "+Problem) {
		t.Fatalf("ToJSON(bomb) = %v, want an alias error on line 5", err)
	}
	// sigs.k8s.io/yaml names whichever bad key it meets first in map order;
	// the error must be the same on every run.
	for range 50 {
		if _, err := ToJSON([]byte("a: {~: 1}\nb: {~: 2}\n")); err != ErrMapKey {
			t.Fatalf("ToJSON = %v, want ErrMapKey", err)
		}
	}
}
