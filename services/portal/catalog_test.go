package portal

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestDCATCatalog reads the three serialisations of the seeded catalog.
func TestDCATCatalog(t *testing.T) {
	s := newSeeded(t)
	resp, rdf := get(t, s.srv.URL+"/catalog.rdf")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/rdf+xml") || resp.Header.Get("Last-Modified") == "" {
		t.Fatalf("catalog.rdf: %d %v", resp.StatusCode, resp.Header)
	}
	dec := xml.NewDecoder(bytes.NewReader(rdf))
	var titles []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("catalog.rdf is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "title" {
			var text string
			dec.DecodeElement(&text, &se)
			titles = append(titles, text)
		}
	}
	for _, want := range []string{
		`rdf:about="https://data.vasteras.se/datasets/` + weatherDef.ID + `"`,
		`rdf:about="https://data.vasteras.se/datasets/` + wasteDef.ID + `"`,
		`http://dataportal.se/organisation/SE2120002080`,
		`http://dataportal.se/organisation/SE5565541107`,
		`https://data.vasteras.se/datasets/weather-per-station-day/latest.csv`,
	} {
		if !bytes.Contains(rdf, []byte(want)) {
			t.Errorf("catalog.rdf lacks %s", want)
		}
	}
	found := false
	for _, title := range titles {
		found = found || title == hostileTitle
	}
	if !found {
		t.Errorf("the hostile title does not read back as itself from the RDF/XML: %q", titles)
	}

	resp, ttl := get(t, s.srv.URL+"/catalog.ttl")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/turtle") || !bytes.Contains(ttl, []byte(weatherDef.ID)) {
		t.Errorf("catalog.ttl: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, jsonld := get(t, s.srv.URL+"/catalog.jsonld")
	var doc map[string]any
	if err := json.Unmarshal(jsonld, &doc); err != nil || resp.StatusCode != 200 || !bytes.Contains(jsonld, []byte(wasteDef.ID)) {
		t.Errorf("catalog.jsonld: %d %v", resp.StatusCode, err)
	}

	resp, _ = get(t, s.srv.URL+"/datasets/dcat")
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/catalog.rdf" {
		t.Errorf("/datasets/dcat: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestDCATLeavesOutWhatItCannotCarry: a dataset with an invalid theme is
// left out; the others are harvested.
func TestDCATLeavesOutWhatItCannotCarry(t *testing.T) {
	s := newSeeded(t)
	ds, err := s.svc.store.Datasets(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ds[0].Themes = []string{"NOPE"}
	c := s.svc.catalog(ds)
	if len(c.Datasets) != 1 || c.Datasets[0].ID != ds[1].ID {
		t.Fatalf("catalog of %d datasets", len(c.Datasets))
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}
