package filedrop

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecimalComma(t *testing.T) {
	for in, want := range map[string]string{
		"12,5": "12.5", "-0,25": "-0.25", "+3,0": "+3.0", "12": "12", "1,2,3": "1,2,3",
		"a,5": "a,5", ",5": ",5", "5,": "5,", "1 000,5": "1 000,5", "": "",
	} {
		if got := fixDecimalComma(in); got != want {
			t.Errorf("fixDecimalComma(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEncodings(t *testing.T) {
	// "kök;vikt\nÖnsta;1,5\n" in ISO-8859-1 and Windows-1252 (with a € only
	// Windows-1252 has), and in UTF-8 with a BOM.
	tests := []struct {
		enc  string
		in   []byte
		want string
	}{
		{EncodingISO88591, []byte("k\xf6k;vikt\n\xd6nsta;1,5\n"), "Önsta"},
		{EncodingWindows1252, []byte("k\xf6k;vikt\n\x80 \xd6nsta;1,5\n"), "€ Önsta"},
		{EncodingUTF8, []byte("\xef\xbb\xbfkök;vikt\nÖnsta;1,5\n"), "Önsta"},
	}
	for _, tt := range tests {
		rows, err := newCSVRows(decoded(bytes.NewReader(tt.in), tt.enc), ';', true)
		if err != nil {
			t.Fatalf("%s: %v", tt.enc, err)
		}
		r, err := rows.next()
		if err != nil {
			t.Fatalf("%s: %v", tt.enc, err)
		}
		if r.fields["kök"] != tt.want || r.fields["vikt"] != "1.5" {
			t.Errorf("%s: fields = %v", tt.enc, r.fields)
		}
	}
}

func TestJSONRowErrors(t *testing.T) {
	rows, err := newJSONRows(strings.NewReader(`[{"a":{"n":[1,2.5]}}, 7, {"b":1}]`), "")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := rows.next()
	if inner := r.fields["a"].(map[string]any)["n"].([]any); inner[0] != int64(1) || inner[1] != 2.5 {
		t.Errorf("nested numbers = %#v", inner)
	}
	if r, _ := rows.next(); r.err == nil {
		t.Error("an element that is not an object must be the row's error")
	}
	if r, _ := rows.next(); r.fields["b"] != int64(1) {
		t.Errorf("row after a bad one = %v", r.fields)
	}
	if _, err := rows.next(); err != io.EOF {
		t.Errorf("end = %v, want io.EOF", err)
	}
}

// FuzzCSVRows: any input gives rows with one value per header column or a
// row error, or a file error; never a panic, never invalid UTF-8.
func FuzzCSVRows(f *testing.F) {
	f.Add([]byte("a;b\n1;2\n"), true)
	f.Add([]byte("\xef\xbb\xbfa;b\n1,5;\"x;y\"\n3\n"), true)
	f.Add([]byte("a;a\n"), false)
	f.Add([]byte("a;b\n\"unterminated\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, decimalComma bool) {
		rows, err := newCSVRows(decoded(bytes.NewReader(data), EncodingUTF8), ';', decimalComma)
		if err != nil {
			return
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for n := 0; ; n++ {
			if n > lines {
				t.Fatalf("%d rows from %d lines: the reader does not advance", n, lines)
			}
			r, err := rows.next()
			if errors.Is(err, io.EOF) || err != nil {
				return
			}
			if r.err == nil && len(r.fields) != len(rows.header) {
				t.Fatalf("%d fields for %d columns", len(r.fields), len(rows.header))
			}
			for _, v := range r.fields {
				if !utf8.ValidString(v.(string)) {
					t.Fatalf("invalid UTF-8 passed: %q", v)
				}
			}
		}
	})
}

// TestCSVRawRows: every row's raw text is its line in the file, quotes and
// all, also for a row with a quote error.
func TestCSVRawRows(t *testing.T) {
	in := "a;b\r\n1;\"x;y\"\r\n2;\"multi\nline\"\n3;bad\"quote\n4;5"
	rows, err := newCSVRows(strings.NewReader(in), ';', false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`1;"x;y"`, "2;\"multi\nline\"", `3;bad"quote`, "4;5"}
	for i, w := range want {
		r, err := rows.next()
		if err != nil {
			t.Fatal(err)
		}
		if string(r.raw) != w {
			t.Errorf("row %d raw = %q, want %q", i+1, r.raw, w)
		}
		if (i == 2) != (r.err != nil) {
			t.Errorf("row %d err = %v", i+1, r.err)
		}
	}
}

func TestJSONArrayMember(t *testing.T) {
	rows, err := newJSONRows(strings.NewReader(`{"type":"FeatureCollection","crs":{"a":[1,{"b":2}]},"features":[{"properties":{"NAME":"x"}},{"properties":{"NAME":"y"}}],"after":1}`), "features")
	if err != nil {
		t.Fatal(err)
	}
	var names []any
	for {
		r, err := rows.next()
		if err != nil {
			break
		}
		names = append(names, r.fields["properties"].(map[string]any)["NAME"])
	}
	if len(names) != 2 || names[0] != "x" || names[1] != "y" {
		t.Errorf("names %v", names)
	}
	if _, err := newJSONRows(strings.NewReader(`{"type":"FeatureCollection"}`), "features"); err == nil || !strings.Contains(err.Error(), `no "features" member`) {
		t.Errorf("missing member: %v", err)
	}
}
