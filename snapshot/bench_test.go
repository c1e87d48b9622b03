package snapshot

import (
	"bytes"
	"os"
	"testing"
)

func BenchmarkDecodeFixture(b *testing.B) {
	raw, err := os.ReadFile(fixture)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s, err := Decode(bytes.NewReader(raw), "f.json")
		if err != nil {
			b.Fatal(err)
		}
		s.Derive()
	}
}
