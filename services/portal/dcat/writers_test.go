package dcat

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// writers are the three serialisations, by file extension.
var writers = []struct {
	ext   string
	write func(io.Writer, Catalog) error
}{
	{"rdf", WriteRDFXML},
	{"ttl", WriteTurtle},
	{"jsonld", WriteJSONLD},
}

func write(t testing.TB, c Catalog, w func(io.Writer, Catalog) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := w(&b, c); err != nil {
		t.Fatalf("write: %v", err)
	}
	return b.Bytes()
}

// TestGolden pins the three serialisations of the test catalog; go test
// -update rewrites them.
func TestGolden(t *testing.T) {
	for _, w := range writers {
		got := write(t, testCatalog(), w.write)
		path := filepath.Join("testdata", "catalog."+w.ext)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to write it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file; if the change is meant, run go test -update and review the diff", path)
		}
	}
}

// TestNoBlankNodes: every node is named, RDF/XML nests nothing below a
// property element, and there is no dcat:CatalogRecord.
func TestNoBlankNodes(t *testing.T) {
	for _, w := range writers {
		out := string(write(t, hostileCatalog(), w.write))
		for _, bad := range []string{"_:", "rdf:nodeID", "rdf:parseType", "CatalogRecord"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s output contains %q", w.ext, bad)
			}
		}
	}
	dec := xml.NewDecoder(bytes.NewReader(write(t, hostileCatalog(), WriteRDFXML)))
	depth, nodes := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("RDF/XML does not parse: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > 3 {
				t.Fatalf("element %s nested at depth %d: an anonymous description", e.Name.Local, depth)
			}
			if depth == 2 {
				nodes++
				if attr(e, "about") == "" {
					t.Errorf("node element %s has no rdf:about", e.Name.Local)
				}
			}
		case xml.EndElement:
			depth--
		}
	}
	if nodes == 0 {
		t.Fatal("no node elements")
	}
}

func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// TestRDFXMLEscaping reads the hostile literals back with an XML parser.
func TestRDFXMLEscaping(t *testing.T) {
	got := xmlLiterals(t, write(t, hostileCatalog(), WriteRDFXML))
	for _, want := range []string{hostile, hostile + " en", "Västerås stads öppna data"} {
		if !got[want] {
			t.Errorf("RDF/XML lost the literal %q", want)
		}
	}
}

// xmlLiterals is the set of character data of every property element.
func xmlLiterals(t testing.TB, doc []byte) map[string]bool {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	lits := map[string]bool{}
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return lits
		}
		if err != nil {
			t.Fatalf("RDF/XML does not parse: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			text.Reset()
		case xml.CharData:
			text.Write(e)
		case xml.EndElement:
			lits[text.String()] = true
			text.Reset()
		}
	}
}

// TestJSONLDEscaping reads the hostile literals back with a JSON parser.
func TestJSONLDEscaping(t *testing.T) {
	got := jsonLiterals(t, write(t, hostileCatalog(), WriteJSONLD))
	for _, want := range []string{hostile, hostile + " en"} {
		if !got[want] {
			t.Errorf("JSON-LD lost the literal %q", want)
		}
	}
}

func jsonLiterals(t testing.TB, doc []byte) map[string]bool {
	t.Helper()
	var d struct {
		Graph []map[string]json.RawMessage `json:"@graph"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatalf("JSON-LD does not parse: %v", err)
	}
	lits := map[string]bool{}
	for _, n := range d.Graph {
		for _, raw := range n {
			var vals []map[string]string
			if json.Unmarshal(raw, &vals) == nil {
				for _, v := range vals {
					lits[v["@value"]] = true
				}
			}
		}
	}
	return lits
}

func TestTurtleString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`plain`, `"plain"`},
		{`a "quote"`, `"a \"quote\""`},
		{`back\slash`, `"back\\slash"`},
		{"two\nlines\r\n", `"two\nlines\r\n"`},
		{"tab\there", `"tab\there"`},
		{`<script>&</script>`, `"<script>&</script>"`},
		{`"""`, `"\"\"\""`},
		{"Västerås", `"Västerås"`},
	} {
		if got := turtleString(tc.in); got != tc.want {
			t.Errorf("turtleString(%q) = %s, want %s", tc.in, got, tc.want)
		}
		if back := turtleUnquote(turtleString(tc.in)); back != tc.in {
			t.Errorf("turtleString(%q) reads back as %q", tc.in, back)
		}
	}
}

// turtleUnquote reads a STRING_LITERAL_QUOTE back (the escapes
// turtleString writes).
func turtleUnquote(s string) string {
	s = strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`)
	return strings.NewReplacer(`\\`, `\`, `\"`, `"`, `\n`, "\n", `\r`, "\r", `\t`, "\t").Replace(s)
}

// FuzzLiteral: any text either is refused by Validate, and then every
// writer writes nothing, or reads back unchanged from RDF/XML, JSON-LD and
// Turtle.
func FuzzLiteral(f *testing.F) {
	for _, s := range []string{hostile, "Västerås", "]]>", "\x00", "\xff", "a\u2028b", "&#13;", "\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := testCatalog()
		c.Datasets = c.Datasets[:1]
		c.Datasets[0].Title.SV = s
		if c.Validate() != nil {
			for _, w := range writers {
				var b bytes.Buffer
				if w.write(&b, c) == nil || b.Len() > 0 {
					t.Fatalf("%s: an invalid catalog was written", w.ext)
				}
			}
			return
		}
		if s == "" {
			t.Fatal("Validate accepted an empty title")
		}
		if !xmlLiterals(t, write(t, c, WriteRDFXML))[s] {
			t.Errorf("RDF/XML does not read %q back", s)
		}
		if !jsonLiterals(t, write(t, c, WriteJSONLD))[s] {
			t.Errorf("JSON-LD does not read %q back", s)
		}
		want := turtleString(s) + "@sv"
		if !strings.Contains(string(write(t, c, WriteTurtle)), want) || turtleUnquote(turtleString(s)) != s {
			t.Errorf("Turtle does not carry %q", s)
		}
	})
}
