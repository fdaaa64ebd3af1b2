package filedrop

import (
	"io"
	"strings"
	"testing"
)

// smhiLike is the shape of an SMHI corrected-archive file: a metadata block,
// a header with a repeated and an empty column name, and notes in extra
// columns on the first rows only.
const smhiLike = "\ufeffStationsnamn;Klimatnummer\nHandsjön D;124290\n\nDatum;Tid (UTC);Snödjup;Kvalitet;Mark;Kvalitet;;Tidsutsnitt:\n" +
	"2006-04-01;06:00:00;0.32;G;17;G;;Kvalitetskontrollerade\n" +
	"2006-04-02;06:00:00;0.31;Y;17;G\n" +
	"2006-04-03;06:00:00;0.30;G\n"

func TestSkipLinesColumns(t *testing.T) {
	rows, err := newCSVRowsOpts(decoded(strings.NewReader(smhiLike), EncodingUTF8), ';', csvOptions{
		skipLines: 4, columns: []string{"datum", "tid", "snodjup", "kvalitet", "mark", "mark_kvalitet"}, ignoreExtra: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []row
	for {
		r, err := rows.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 3 {
		t.Fatalf("%d rows, want 3", len(got))
	}
	if got[0].err != nil || got[0].fields["snodjup"] != "0.32" || got[0].fields["mark_kvalitet"] != "G" || len(got[0].fields) != 6 {
		t.Errorf("row 1 = %v %v", got[0].fields, got[0].err)
	}
	if got[1].err != nil || got[1].fields["kvalitet"] != "Y" || got[1].line != 6 {
		t.Errorf("row 2 = %v line %d %v", got[1].fields, got[1].line, got[1].err)
	}
	if got[2].err == nil || got[2].line != 7 { // too few columns is still the row's problem
		t.Errorf("row 3: err %v line %d, want a column-count error on line 7", got[2].err, got[2].line)
	}
}

func TestSkipLinesHeader(t *testing.T) {
	in := "# exported 2024-01-01\n# by system X\na,b\n1,2\n"
	rows, err := newCSVRowsOpts(strings.NewReader(in), ',', csvOptions{skipLines: 2})
	if err != nil {
		t.Fatal(err)
	}
	r, err := rows.next()
	if err != nil || r.fields["a"] != "1" || r.fields["b"] != "2" || r.line != 4 {
		t.Fatalf("row = %v line %d, %v", r.fields, r.line, err)
	}
	// Without ignore_extra_columns an extra column dead-letters the row.
	rows, _ = newCSVRowsOpts(strings.NewReader("a,b\n1,2,3\n"), ',', csvOptions{})
	if r, _ := rows.next(); r.err == nil {
		t.Error("an extra column was accepted without ignore_extra_columns")
	}
	if _, err := newCSVRowsOpts(strings.NewReader("x\n"), ',', csvOptions{skipLines: 3}); err == nil {
		t.Error("a file shorter than skip_lines was accepted")
	}
}

func TestConfigColumnsValidate(t *testing.T) {
	for _, c := range []Config{
		{Dir: "x", SkipLines: -1},
		{Dir: "x", Columns: []string{"a", "a"}},
		{Dir: "x", Columns: []string{"a", " "}},
	} {
		if c.Validate() == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if err := (Config{Dir: "x", SkipLines: 10, Columns: []string{"a", "b"}}).Validate(); err != nil {
		t.Error(err)
	}
}
