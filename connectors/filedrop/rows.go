package filedrop

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/vasteras/civicbus/connectors"
	"golang.org/x/text/encoding/charmap"
)

// row is one record of a file. err is a problem of the row alone (it goes to
// the dead-letter topic); a problem of the file is nextRow's error.
type row struct {
	fields map[string]any
	raw    []byte
	line   int
	err    error
}

// rowReader streams the rows of one file. next returns io.EOF at the end,
// and any other error when the file cannot be read further: then the file
// goes to failed/.
type rowReader interface {
	next() (row, error)
}

// decoded returns r decoded from enc to UTF-8, a UTF-8 BOM skipped.
func decoded(r io.Reader, enc string) io.Reader {
	switch enc {
	case EncodingISO88591:
		return charmap.ISO8859_1.NewDecoder().Reader(r)
	case EncodingWindows1252:
		return charmap.Windows1252.NewDecoder().Reader(r)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	return br
}

var errNotUTF8 = errors.New("is not valid UTF-8; set encoding: windows-1252 or iso-8859-1 if the file comes from such a system")

type csvRows struct {
	r            *csv.Reader
	rec          *recorder
	header       []string
	decimalComma bool
	lineOffset   int // lines skipped before the csv Reader's line 1
	ignoreExtra  bool
}

// recorder keeps the bytes read from r since offset base, so that a row's
// raw text (for its dead letter) is buf[start-base:end-base] by the csv
// Reader's InputOffset. It holds one row plus what the csv Reader buffered
// ahead, never the file.
type recorder struct {
	r    io.Reader
	buf  []byte // buf[off:] are the bytes from base on
	off  int
	base int64
}

func (rc *recorder) Read(p []byte) (int, error) {
	if rc.off > 0 && rc.off >= len(rc.buf)/2 { // compact now and then, not per row
		rc.buf = rc.buf[:copy(rc.buf, rc.buf[rc.off:])]
		rc.off = 0
	}
	n, err := rc.r.Read(p)
	rc.buf = append(rc.buf, p[:n]...)
	return n, err
}

// take returns a copy of the bytes from base to end, without the line
// break, and forgets them.
func (rc *recorder) take(end int64) []byte {
	n := min(int(end-rc.base), len(rc.buf)-rc.off)
	out := bytes.Clone(bytes.TrimRight(rc.buf[rc.off:rc.off+n], "\r\n"))
	rc.off += n
	rc.base = end
	return out
}

// csvOptions are a CSV file's settings besides its delimiter.
type csvOptions struct {
	decimalComma bool
	skipLines    int      // lines before the header (or first row)
	columns      []string // the column names, when the file has no header line
	ignoreExtra  bool     // drop columns beyond the named ones
}

func newCSVRows(r io.Reader, delim rune, decimalComma bool) (*csvRows, error) {
	return newCSVRowsOpts(r, delim, csvOptions{decimalComma: decimalComma})
}

func newCSVRowsOpts(r io.Reader, delim rune, o csvOptions) (*csvRows, error) {
	if o.skipLines > 0 {
		br := bufio.NewReaderSize(r, 64<<10)
		for i := 0; i < o.skipLines; i++ {
			if _, err := br.ReadSlice('\n'); err == io.EOF {
				return nil, fmt.Errorf("bad header: the file has fewer than %d lines to skip", o.skipLines)
			} else if err != nil && err != bufio.ErrBufferFull {
				return nil, err
			} else if err == bufio.ErrBufferFull {
				i-- // the rest of a long line
			}
		}
		r = br
	}
	rec := &recorder{r: r}
	cr := csv.NewReader(rec)
	cr.Comma = delim
	cr.FieldsPerRecord = -1 // a row with missing or extra columns is the row's problem
	cr.ReuseRecord = true
	c := &csvRows{r: cr, rec: rec, decimalComma: o.decimalComma, lineOffset: o.skipLines, ignoreExtra: o.ignoreExtra}
	if len(o.columns) > 0 {
		if err := checkHeader(o.columns); err != nil {
			return nil, fmt.Errorf("bad columns: %w", err)
		}
		c.header = o.columns
		return c, nil
	}
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("bad header: the file is empty")
	}
	if err != nil {
		return nil, fmt.Errorf("bad header: %w", err)
	}
	rec.take(cr.InputOffset())
	c.header = make([]string, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !utf8.ValidString(h) {
			return nil, fmt.Errorf("bad header: line %d %w", o.skipLines+1, errNotUTF8)
		}
		c.header[i] = h
	}
	if err := checkHeader(c.header); err != nil {
		return nil, fmt.Errorf("bad header: %w", err)
	}
	return c, nil
}

// checkHeader reports a column without a name or a name used twice.
func checkHeader(names []string) error {
	if len(names) == 0 {
		return errors.New("no columns")
	}
	seen := map[string]bool{}
	for i, h := range names {
		switch {
		case strings.TrimSpace(h) == "":
			return fmt.Errorf("column %d has no name", i+1)
		case seen[h]:
			return fmt.Errorf("column %q appears twice", h)
		}
		seen[h] = true
	}
	return nil
}

func (c *csvRows) next() (row, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return row{}, io.EOF
	}
	raw := c.rec.take(c.r.InputOffset())
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) { // the row's problem: a stray or missing quote
			return row{line: pe.StartLine + c.lineOffset, raw: raw, err: fmt.Errorf("csv: %w", pe.Err)}, nil
		}
		return row{}, err
	}
	line, _ := c.r.FieldPos(0) // only valid after a successful Read
	line += c.lineOffset
	out := row{line: line, raw: raw}
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return row{}, fmt.Errorf("line %d %w", line, errNotUTF8)
		}
	}
	if c.ignoreExtra && len(rec) > len(c.header) {
		rec = rec[:len(c.header)]
	}
	if len(rec) != len(c.header) {
		out.err = fmt.Errorf("csv: the row has %d columns, the header %d", len(rec), len(c.header))
		return out, nil
	}
	out.fields = make(map[string]any, len(rec))
	for i, f := range rec {
		if c.decimalComma {
			f = fixDecimalComma(f)
		}
		out.fields[c.header[i]] = f
	}
	return out, nil
}

// fixDecimalComma returns 12.5 for 12,5 and -0,25 for -0.25; any other text
// as it is.
func fixDecimalComma(s string) string {
	i := strings.IndexByte(s, ',')
	if i < 0 || !isNumber(s[:i], true) || !isNumber(s[i+1:], false) {
		return s
	}
	return s[:i] + "." + s[i+1:]
}

func isNumber(s string, signed bool) bool {
	if signed && s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// jsonRows reads a JSON array of objects, one element at a time.
type jsonRows struct {
	dec *json.Decoder
	n   int
}

// newJSONRows reads the file as an array of objects or, when arrayKey is
// set, as an object whose arrayKey member is that array (the members before
// it are skipped, those after it never read).
func newJSONRows(r io.Reader, arrayKey string) (*jsonRows, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if arrayKey != "" {
		if err := seekMember(dec, arrayKey); err != nil {
			return nil, err
		}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not a JSON array: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, errors.New("not a JSON array: it does not start with [")
	}
	return &jsonRows{dec: dec}, nil
}

// seekMember reads dec up to the value of the top-level member key.
func seekMember(dec *json.Decoder, key string) error {
	tok, err := dec.Token()
	if d, ok := tok.(json.Delim); err != nil || !ok || d != '{' {
		return fmt.Errorf("not a JSON object with a %q array", key)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("malformed JSON object: %w", err)
		}
		if name, _ := tok.(string); name == key {
			return nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return fmt.Errorf("malformed JSON object: %w", err)
		}
	}
	return fmt.Errorf("the JSON object has no %q member", key)
}

func (j *jsonRows) next() (row, error) {
	if !j.dec.More() {
		if _, err := j.dec.Token(); err != nil {
			return row{}, fmt.Errorf("truncated JSON array after element %d: %w", j.n, err)
		}
		return row{}, io.EOF
	}
	var raw json.RawMessage
	if err := j.dec.Decode(&raw); err != nil {
		return row{}, fmt.Errorf("truncated or malformed JSON array after element %d: %w", j.n, err)
	}
	j.n++
	return objectRow(raw, j.n), nil
}

// ndjsonRows reads one JSON object per line.
type ndjsonRows struct {
	r    *bufio.Reader
	line int
}

func (n *ndjsonRows) next() (row, error) {
	for {
		b, err := n.r.ReadBytes('\n')
		if len(b) == 0 && err != nil {
			if err == io.EOF {
				return row{}, io.EOF
			}
			return row{}, err
		}
		n.line++
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		if !utf8.Valid(b) {
			return row{}, fmt.Errorf("line %d %w", n.line, errNotUTF8)
		}
		return objectRow(b, n.line), nil
	}
}

func objectRow(raw []byte, line int) row {
	out := row{raw: bytes.Clone(raw), line: line}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil {
		out.err = errors.New("json: the record is not a JSON object")
		return out
	}
	out.fields = connectors.NormalizeJSON(m).(map[string]any)
	return out
}
