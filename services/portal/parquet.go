package portal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"
)

// parquetRowGroup is how many rows a Parquet download's row group holds:
// the writer holds one row group in memory at a time, so memory stays flat
// whatever the version's size; a row group also ends once its rows' JSON
// passes parquetGroupBytes, so wide rows do not make a large one.
// (Variables for the tests.)
var (
	parquetRowGroup   int64 = 50_000
	parquetGroupBytes       = 16 << 20
)

// parquetColumn is how a column is written to Parquet.
type parquetColumn struct {
	name string
	// typ is the definition's type: string, integer, number, boolean or
	// date.
	typ string
}

// parquetColumns are a version's columns with their types from def: a
// declared column's type (string when it declares none), a measure's
// number (integer for a count), and string for a column def does not know.
func parquetColumns(def Definition, cols []string) []parquetColumn {
	out := make([]parquetColumn, len(cols))
	for i, name := range cols {
		c, _ := def.column(name)
		typ := c.Type
		for _, m := range def.Shape.Measures {
			if m.Name == name && m.Fn == "count" {
				typ = "integer"
			}
		}
		switch typ {
		case "integer", "number", "boolean", "date":
		default:
			typ = "string"
		}
		out[i] = parquetColumn{name, typ}
	}
	return out
}

// parquetSchema is the schema of a version's Parquet file: every column
// optional (a suppressed cell is null), in the version's column order;
// integer as INT64, number as DOUBLE, boolean as BOOLEAN, date as the DATE
// logical type (INT32 days since 1970-01-01), text as the STRING logical
// type (UTF-8 BYTE_ARRAY).
func parquetSchema(cols []parquetColumn) *parquet.Schema {
	g := parquet.Group{}
	order := make([]string, len(cols))
	for i, c := range cols {
		var n parquet.Node
		switch c.typ {
		case "integer":
			n = parquet.Int(64)
		case "number":
			n = parquet.Leaf(parquet.DoubleType)
		case "boolean":
			n = parquet.Leaf(parquet.BooleanType)
		case "date":
			n = parquet.Date()
		default:
			n = parquet.String()
		}
		g[c.name] = parquet.Optional(n)
		order[i] = c.name
	}
	return parquet.NewSchema("row", orderedGroup{g, order})
}

// orderedGroup is a parquet.Group whose fields keep the version's column
// order (a Group orders them by name).
type orderedGroup struct {
	parquet.Group
	order []string
}

func (g orderedGroup) Fields() []parquet.Field {
	fields := g.Group.Fields()
	slices.SortStableFunc(fields, func(a, b parquet.Field) int {
		return slices.Index(g.order, a.Name()) - slices.Index(g.order, b.Name())
	})
	return fields
}

// writeParquet writes the version as a Parquet file (Snappy-compressed),
// in row groups of parquetRowGroup rows, with the column types of def.
// A value that does not fit its column's type fails the write.
func writeParquet(w io.Writer, def Definition, v Version, rows func(func(Row) error) error) error {
	cols := parquetColumns(def, v.Columns)
	pw := parquet.NewWriter(w, parquetSchema(cols), parquet.Compression(&snappy.Codec{}),
		parquet.MaxRowsPerRowGroup(parquetRowGroup), parquet.CreatedBy("civicbus portal", "", ""))
	batch := make([]parquet.Row, 0, 256)
	flush := func() error {
		if _, err := pw.WriteRows(batch); err != nil {
			return fmt.Errorf("portal: write Parquet rows: %w", err)
		}
		batch = batch[:0]
		return nil
	}
	var n int64
	groupBytes := 0
	err := rows(func(r Row) error {
		n++
		row := make(parquet.Row, len(cols))
		for i, c := range cols {
			var cell json.RawMessage
			if i < len(r) {
				cell = r[i]
			}
			pv, err := parquetValue(c.typ, cell)
			if err != nil {
				return fmt.Errorf("portal: row %d, column %d (%s): %w", n, i+1, c.name, err)
			}
			row[i] = pv.Level(0, definitionLevel(pv), i)
			groupBytes += len(cell)
		}
		batch = append(batch, row)
		if groupBytes >= parquetGroupBytes {
			groupBytes = 0
			if err := flush(); err != nil {
				return err
			}
			if err := pw.Flush(); err != nil {
				return fmt.Errorf("portal: write a Parquet row group: %w", err)
			}
			return nil
		}
		if len(batch) == cap(batch) {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("portal: finish the Parquet file: %w", err)
	}
	return nil
}

func definitionLevel(v parquet.Value) int {
	if v.IsNull() {
		return 0
	}
	return 1
}

// parquetValue converts a JSON value to its Parquet value of type typ; null
// (or nothing) is a null.
func parquetValue(typ string, cell json.RawMessage) (parquet.Value, error) {
	cell = bytes.TrimSpace(cell)
	if len(cell) == 0 || string(cell) == "null" {
		return parquet.NullValue(), nil
	}
	switch typ {
	case "integer":
		i, err := strconv.ParseInt(string(cell), 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(string(cell), 64)
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return parquet.Value{}, fmt.Errorf("not an integer")
			}
			i = int64(f)
		}
		return parquet.Int64Value(i), nil
	case "number":
		f, err := strconv.ParseFloat(string(cell), 64)
		if err != nil {
			return parquet.Value{}, fmt.Errorf("not a number")
		}
		return parquet.DoubleValue(f), nil
	case "boolean":
		switch string(cell) {
		case "true":
			return parquet.BooleanValue(true), nil
		case "false":
			return parquet.BooleanValue(false), nil
		}
		return parquet.Value{}, fmt.Errorf("not a boolean")
	case "date":
		s, ok := jsonString(cell)
		if !ok {
			return parquet.Value{}, fmt.Errorf("not a date")
		}
		d, err := time.Parse(time.DateOnly, string(s))
		if err != nil {
			return parquet.Value{}, fmt.Errorf("not a date (YYYY-MM-DD)")
		}
		days := d.Unix() / 86400 // d is midnight UTC: a whole number of days
		return parquet.Int32Value(int32(days)), nil
	default:
		if cell[0] == '"' {
			s, ok := jsonString(cell)
			if !ok {
				return parquet.Value{}, fmt.Errorf("not a JSON string")
			}
			return parquet.ByteArrayValue(s), nil
		}
		return parquet.ByteArrayValue([]byte(cellText(cell, false))), nil
	}
}

// jsonString is the text of a JSON string: a slice of cell when it has no
// escapes, else decoded.
func jsonString(cell []byte) ([]byte, bool) {
	if len(cell) < 2 || cell[0] != '"' || cell[len(cell)-1] != '"' {
		return nil, false
	}
	inner := cell[1 : len(cell)-1]
	if bytes.IndexByte(inner, '\\') < 0 && bytes.IndexByte(inner, '"') < 0 && utf8.Valid(inner) {
		return inner, true
	}
	var s string
	if json.Unmarshal(cell, &s) != nil {
		return nil, false
	}
	return []byte(s), true
}
