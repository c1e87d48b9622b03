// Package readall reads a reader to its end in one allocation when the
// caller knows, or can guess, how much is coming: io.ReadAll starts small
// and doubles, which for a snapshot of tens of megabytes, a cluster's
// packed findings or an admission review copies the data several times.
package readall

import (
	"bytes"
	"io"
)

// Sized reads r to EOF like io.ReadAll. hint is the expected size (0 or
// less: unknown); a wrong hint costs a reallocation, never a wrong read.
func Sized(r io.Reader, hint int64) ([]byte, error) {
	var buf bytes.Buffer
	// The hint and the room bytes.Buffer wants for its last probe for EOF.
	buf.Grow(int(max(hint, 0)) + bytes.MinRead)
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}
