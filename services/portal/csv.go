package portal

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
)

// csvWriter writes a version as CSV exactly as the open-data service does
// when it computes the version's SHA-256 (RFC 4180 through encoding/csv, a
// header line, numbers as their JSON text, null as an empty field), so
// that the comma variant hashes to the announced sha256. The Swedish
// variant separates with semicolons and writes decimal commas, as Swedish
// spreadsheets read them.
type csvWriter struct {
	w       *csv.Writer
	swedish bool
	rec     []string
}

func newCSVWriter(w io.Writer, swedish bool) *csvWriter {
	cw := csv.NewWriter(w)
	if swedish {
		cw.Comma = ';'
	}
	return &csvWriter{w: cw, swedish: swedish}
}

// header writes the column names.
func (c *csvWriter) header(cols []string) error { return c.w.Write(cols) }

// row writes one row of JSON values.
func (c *csvWriter) row(r Row) error {
	c.rec = c.rec[:0]
	for _, v := range r {
		c.rec = append(c.rec, cellText(v, c.swedish))
	}
	return c.w.Write(c.rec)
}

// flush writes what is buffered and reports any error so far.
func (c *csvWriter) flush() error {
	c.w.Flush()
	return c.w.Error()
}

// cellText is a JSON value as a CSV field: a string as itself, null as
// empty, a number or boolean as its JSON text (with a decimal comma when
// decimalComma is set).
func cellText(v json.RawMessage, decimalComma bool) string {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || string(v) == "null":
		return ""
	case v[0] == '"':
		var s string
		if json.Unmarshal(v, &s) != nil {
			return ""
		}
		return s
	case decimalComma && (v[0] == '-' || v[0] >= '0' && v[0] <= '9'):
		return string(bytes.Replace(v, []byte("."), []byte(","), 1))
	default:
		return string(v)
	}
}
