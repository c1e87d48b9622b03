package snapshot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeValue decodes the JSON document data into what encoding/json with
// UseNumber decodes it into when the target is an `any`: map[string]any
// (a later duplicate key wins), []any (never nil), string, json.Number
// holding the literal, bool and nil. It accepts exactly the documents
// encoding/json accepts, followed by nothing but whitespace, unescapes
// strings as it does (a lone surrogate and each invalid UTF-8 byte become
// U+FFFD), and names the line and column of the offending byte in a syntax
// error. The result shares no memory with data; equal strings in it may
// share theirs. TestDecodeValue and FuzzDecodeValue hold it to encoding/json.
func decodeValue(data []byte) (any, error) {
	v, _, err := decodeDocument(data)
	return v, err
}

// objectsSpan is where the value of a document's top-level "objects" member
// lies in the document, data[start:end], and whether it is written exactly
// as Marshal writes it: compact, keys sorted, strings as appendString writes
// them. Canonical is only ever a sound guess: false may be wrong, true never
// is.
type objectsSpan struct {
	start, end int
	canonical  bool
}

// decodeDocument is decodeValue, with where the document's objects lie.
func decodeDocument(data []byte) (any, objectsSpan, error) {
	d := decoder{data: data, keys: map[string]string{}, strs: map[string]any{}, nums: map[string]any{}}
	v, err := d.value()
	if err != nil {
		return nil, objectsSpan{}, err
	}
	d.skipSpace()
	if d.i < len(d.data) {
		return nil, objectsSpan{}, d.errorAt(d.i, "data after the document: invalid character "+quoteChar(d.data[d.i]))
	}
	return v, d.objects, nil
}

// maxDepth is encoding/json's limit on nested arrays and objects.
const maxDepth = 10000

// maxInterned is the length of the longest string or number interned: the
// names, kinds, versions and label values a cluster repeats; longer values
// (images, annotations, UIDs) are mostly unique.
const maxInterned = 32

// decoder is the state of one decodeValue.
type decoder struct {
	data  []byte
	i     int // offset of the next byte to read
	depth int // arrays and objects open
	// Kubernetes objects repeat a few hundred keys and short values over a
	// whole snapshot: each is allocated (and a value boxed) once.
	keys map[string]string
	strs map[string]any // short strings, boxed
	nums map[string]any // short numbers, boxed
	// The members and elements of the objects and arrays being decoded,
	// innermost last, so each map and slice is made once, at its size.
	members []member
	elems   []any
	buf     []byte // the string being unescaped
	canon   []byte // what Marshal writes for a string read (canonical)
	// loose counts what Marshal would write otherwise: whitespace, keys out
	// of order, escaped strings, numbers that are not plain integers.
	loose   int
	objects objectsSpan
}

type member struct {
	key string
	val any
}

// plainByte holds the ASCII bytes a string holds as they are.
var plainByte = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (d *decoder) value() (any, error) {
	d.skipSpace()
	if d.i >= len(d.data) {
		return nil, d.eof()
	}
	switch c := d.data[d.i]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		b, err := d.quoted()
		if err != nil {
			return nil, err
		}
		return d.str(b), nil
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	default:
		return nil, d.invalid("looking for beginning of value")
	}
}

// object reads an object whose '{' is at d.i.
func (d *decoder) object() (any, error) {
	if err := d.push(); err != nil {
		return nil, err
	}
	d.i++
	base := len(d.members)
	d.skipSpace()
	if d.i < len(d.data) && d.data[d.i] == '}' {
		d.i++
		d.depth--
		return map[string]any{}, nil
	}
	top := d.depth == 1
	for {
		d.skipSpace()
		if d.i >= len(d.data) {
			return nil, d.eof()
		}
		if d.data[d.i] != '"' {
			return nil, d.invalid("looking for beginning of object key string")
		}
		b, err := d.quoted()
		if err != nil {
			return nil, err
		}
		key, ok := d.keys[string(b)]
		if !ok {
			key = string(b)
			d.keys[key] = key
		}
		if len(d.members) > base && key <= d.members[len(d.members)-1].key {
			d.loose++ // Marshal sorts keys
		}
		if err := d.expect(':', "after object key"); err != nil {
			return nil, err
		}
		d.skipSpace()
		start, loose := d.i, d.loose
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		if top && key == "objects" {
			d.objects = objectsSpan{start: start, end: d.i, canonical: d.loose == loose}
		}
		d.members = append(d.members, member{key, v})
		if more, err := d.next('}', "after object key:value pair"); err != nil {
			return nil, err
		} else if !more {
			break
		}
	}
	m := make(map[string]any, len(d.members)-base)
	for _, e := range d.members[base:] {
		m[e.key] = e.val
	}
	clear(d.members[base:]) // the scratch space holds no value beyond its decoding
	d.members = d.members[:base]
	d.depth--
	return m, nil
}

// array reads an array whose '[' is at d.i.
func (d *decoder) array() (any, error) {
	if err := d.push(); err != nil {
		return nil, err
	}
	d.i++
	base := len(d.elems)
	d.skipSpace()
	if d.i < len(d.data) && d.data[d.i] == ']' {
		d.i++
		d.depth--
		return []any{}, nil
	}
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		d.elems = append(d.elems, v)
		if more, err := d.next(']', "after array element"); err != nil {
			return nil, err
		} else if !more {
			break
		}
	}
	a := make([]any, len(d.elems)-base)
	copy(a, d.elems[base:])
	clear(d.elems[base:])
	d.elems = d.elems[:base]
	d.depth--
	return a, nil
}

// push enters an array or object, within encoding/json's depth limit.
func (d *decoder) push() error {
	if d.depth++; d.depth > maxDepth {
		return d.errorAt(d.i, "exceeded max depth")
	}
	return nil
}

// next reads the ',' or the closing byte after a member or element: true
// when another one follows.
func (d *decoder) next(closing byte, context string) (bool, error) {
	d.skipSpace()
	if d.i >= len(d.data) {
		return false, d.eof()
	}
	switch d.data[d.i] {
	case ',':
		d.i++
		return true, nil
	case closing:
		d.i++
		return false, nil
	}
	return false, d.invalid(context)
}

// expect reads c, after optional whitespace.
func (d *decoder) expect(c byte, context string) error {
	d.skipSpace()
	if d.i >= len(d.data) {
		return d.eof()
	}
	if d.data[d.i] != c {
		return d.invalid(context)
	}
	d.i++
	return nil
}

func (d *decoder) skipSpace() {
	start := d.i
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			if d.i > start {
				d.loose++
			}
			return
		}
	}
	if d.i > start {
		d.loose++
	}
}

// literal reads lit (true, false or null), whose first byte is at d.i.
func (d *decoder) literal(lit string) error {
	for k := 1; k < len(lit); k++ {
		i := d.i + k
		if i >= len(d.data) {
			return d.eof()
		}
		if d.data[i] != lit[k] {
			return d.errorAt(i, fmt.Sprintf("invalid character %s in literal %s (expecting %s)", quoteChar(d.data[i]), lit, quoteChar(lit[k])))
		}
	}
	d.i += len(lit)
	return nil
}

// number reads a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) number() (any, error) {
	start := d.i
	i := d.i
	if d.data[i] == '-' {
		i++
	}
	switch {
	case i >= len(d.data):
		return nil, d.eof()
	case d.data[i] == '0':
		i++
	case '1' <= d.data[i] && d.data[i] <= '9':
		i = d.digits(i + 1)
	default:
		return nil, d.errorAt(i, "invalid character "+quoteChar(d.data[i])+" in numeric literal")
	}
	if i < len(d.data) && d.data[i] == '.' {
		i++
		if i >= len(d.data) {
			return nil, d.eof()
		}
		if !isDigit(d.data[i]) {
			return nil, d.errorAt(i, "invalid character "+quoteChar(d.data[i])+" after decimal point in numeric literal")
		}
		i = d.digits(i)
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		i++
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		if i >= len(d.data) {
			return nil, d.eof()
		}
		if !isDigit(d.data[i]) {
			return nil, d.errorAt(i, "invalid character "+quoteChar(d.data[i])+" in exponent of numeric literal")
		}
		i = d.digits(i)
	}
	d.i = i
	return d.num(d.data[start:i]), nil
}

// digits returns the offset of the first non-digit at or after i.
func (d *decoder) digits(i int) int {
	for i < len(d.data) && isDigit(d.data[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// str returns b as a string in an any, the same one for every short b of a
// document.
func (d *decoder) str(b []byte) any {
	if len(b) > maxInterned {
		return string(b)
	}
	if v, ok := d.strs[string(b)]; ok {
		return v
	}
	s := string(b)
	v := any(s)
	d.strs[s] = v
	return v
}

// num is str for a json.Number.
func (d *decoder) num(b []byte) any {
	if len(b) > maxInterned {
		return json.Number(b)
	}
	if v, ok := d.nums[string(b)]; ok {
		return v
	}
	s := string(b)
	v := any(json.Number(s))
	d.nums[s] = v
	return v
}

// quoted reads a string whose '"' is at d.i and returns its unescaped bytes:
// a slice of data, or of d.buf when it had to be rewritten. They are only
// good until the next call. A string Marshal would write otherwise (see
// canonical) counts as loose.
func (d *decoder) quoted() ([]byte, error) {
	open := d.i
	b, ascii, err := d.scan()
	if err == nil && !ascii {
		d.canonical(open, b)
	}
	return b, err
}

// canonical counts the string just read from data[open:d.i], unescaped to
// b, as loose unless Marshal writes b back byte for byte: it is Marshal's
// own appendString that decides, so the two cannot disagree. A plain ASCII
// string needs no check: Marshal escapes only what JSON cannot hold raw.
func (d *decoder) canonical(open int, b []byte) {
	d.canon = appendString(d.canon[:0], string(b))
	if !bytes.Equal(d.canon, d.data[open:d.i]) {
		d.loose++
	}
}

// scan is quoted without the canonical check; ascii reports a string of
// plain ASCII without escapes.
func (d *decoder) scan() (b []byte, ascii bool, err error) {
	start := d.i + 1
	ascii = true
	for i := start; i < len(d.data); {
		c := d.data[i]
		if c < utf8.RuneSelf {
			if plainByte[c] {
				i++
				continue
			}
			if c == '"' {
				d.i = i + 1
				return d.data[start:i], ascii, nil
			}
			if c == '\\' {
				b, err := d.unescape(start, i)
				return b, false, err
			}
			return nil, false, d.errorAt(i, "invalid character "+quoteChar(c)+" in string literal")
		}
		ascii = false
		r, size := utf8.DecodeRune(d.data[i:])
		if r == utf8.RuneError && size == 1 {
			b, err := d.unescape(start, i)
			return b, false, err
		}
		i += size
	}
	return nil, false, d.eof()
}

// unescape is quoted for a string that needs rewriting from offset i on, as
// encoding/json's unquote rewrites it.
func (d *decoder) unescape(start, i int) ([]byte, error) {
	b := append(d.buf[:0], d.data[start:i]...)
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.i = i + 1
			d.buf = b // kept for the next string to rewrite
			return b, nil
		case c == '\\':
			if i+1 >= len(d.data) {
				return nil, d.eof()
			}
			i++
			switch e := d.data[i]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, err := d.hex4(i + 1)
				if err != nil {
					return nil, err
				}
				i += 4
				if utf16.IsSurrogate(r) {
					// Paired with the next \u escape only when the two make a
					// valid pair; the next one is otherwise read on its own.
					dec := unicode.ReplacementChar
					if i+2 < len(d.data) && d.data[i+1] == '\\' && d.data[i+2] == 'u' {
						r2, err := d.hex4(i + 3)
						if err != nil {
							return nil, err
						}
						if dec = utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
							i += 6
						}
					}
					r = dec
				}
				b = utf8.AppendRune(b, r)
			default:
				return nil, d.errorAt(i, "invalid character "+quoteChar(e)+" in string escape code")
			}
			i++
		case c < ' ':
			return nil, d.errorAt(i, "invalid character "+quoteChar(c)+" in string literal")
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			b = utf8.AppendRune(b, r) // U+FFFD for each invalid byte
			i += size
		}
	}
	return nil, d.eof()
}

// hex4 reads the four hex digits of a \u escape at data[i:].
func (d *decoder) hex4(i int) (rune, error) {
	var r rune
	for k := i; k < i+4; k++ {
		if k >= len(d.data) {
			return 0, d.eof()
		}
		c := d.data[k]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, d.errorAt(k, "invalid character "+quoteChar(c)+" in \\u hexadecimal character escape")
		}
		r = r<<4 | rune(c)
	}
	return r, nil
}

// invalid is the error for the byte at d.i, found in context.
func (d *decoder) invalid(context string) error {
	return d.errorAt(d.i, "invalid character "+quoteChar(d.data[d.i])+" "+context)
}

func (d *decoder) eof() error {
	return d.errorAt(len(d.data), "unexpected end of JSON input")
}

// errorAt is the syntax error msg about the byte at offset off, in the form
// unmarshal gives.
func (d *decoder) errorAt(off int, msg string) error {
	line, col := position(d.data, int64(off))
	return fmt.Errorf("invalid JSON at line %d, column %d: %s", line, col, msg)
}

// quoteChar quotes c in an error as encoding/json does.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}
