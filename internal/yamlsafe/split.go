package yamlsafe

import "bytes"

// Doc is one document of a YAML stream and the line of the stream it
// starts on.
type Doc struct {
	Line int
	Text []byte
}

// Split cuts a stream into documents at lines that start with "---" followed
// by nothing, a space or a tab, keeping each document's first line so that
// errors and findings point into the file. A document may start on its
// separator's line ("--- {kind: Pod}"); it then keeps that line as it is,
// which the YAML decoders read as the start of the document (and refuse
// where YAML does, as in "--- kind: Pod").
func Split(data []byte) []Doc {
	var docs []Doc
	start, line := 1, 1
	var cur []byte
	for l := range bytes.Lines(data) {
		if isSeparator(l) {
			docs = append(docs, Doc{Line: start, Text: cur})
			cur, start = nil, line+1
			if rest := l[3:]; !Blank(rest) {
				cur, start = append([]byte(nil), l...), line
			}
		} else {
			cur = append(cur, l...)
		}
		line++
	}
	return append(docs, Doc{Line: start, Text: cur})
}

func isSeparator(l []byte) bool {
	if !bytes.HasPrefix(l, []byte("---")) {
		return false
	}
	rest := l[3:]
	return len(bytes.TrimSpace(rest)) == 0 || rest[0] == ' ' || rest[0] == '\t'
}

// NotAMapping is the error for a document that is not a YAML mapping.
const NotAMapping = "document is not a mapping (a Kubernetes object is a YAML mapping)"

// Blank reports whether b holds only blank lines and comments.
func Blank(b []byte) bool {
	for l := range bytes.Lines(b) {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}
