// Package yamltest holds the hostile YAML inputs the readers' tests and
// fuzz targets start from.
package yamltest

import (
	"fmt"
	"strings"
)

// Hostile is the seed inputs every YAML fuzz target starts from: an alias
// bomb, deep nesting, a NUL byte, invalid UTF-8, nothing at all, separators
// only, keys JSON cannot hold and an anchor used inside itself.
func Hostile() [][]byte {
	var bomb strings.Builder
	bomb.WriteString("a0: &a0 [x, x]\n")
	for i := 1; i <= 32; i++ {
		fmt.Fprintf(&bomb, "a%d: &a%d [*a%d, *a%d]\n", i, i, i-1, i-1)
	}
	return [][]byte{
		[]byte(bomb.String()),
		[]byte(strings.Repeat("[", 5000) + strings.Repeat("]", 5000)),
		[]byte(strings.Repeat("{a: ", 5000) + "x" + strings.Repeat("}", 5000)),
		[]byte(strings.Repeat("- ", 3000) + "x\n"),
		[]byte("apiVersion: v1\x00\nkind: List\n"),
		[]byte("apiVersion: \xff\xfe\xc3(\nkind: List\n"),
		{},
		[]byte("---\n---\n---\n"),
		[]byte("~: 1\n? [a]\n: 2\n"),
		[]byte("a: {~: 1}\nb: {~: 2}\n"),
		[]byte("a: &a [*a]\n"),
	}
}

// LongStringBomb is a document of about size bytes, after prefix, whose
// aliases expand it a thousand-fold: ten doublings of a long string, with
// enough plain values beside them that sigs.k8s.io/yaml's count of aliased
// values lets it pass.
func LongStringBomb(prefix string, size int) []byte {
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteString("pad: [" + strings.Repeat("1, ", 128) + "1]\n")
	b.WriteString("a0: &a0 [" + strings.Repeat("x", size) + ", x]\n")
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d]\n", i, i, i-1, i-1)
	}
	return []byte(b.String())
}
