package dcat

import (
	"bytes"
	"strings"
	"testing"
)

// TestValidate: each broken catalog is refused with the field named and
// never the value.
func TestValidate(t *testing.T) {
	const secret = "19121212-1212"
	for _, tc := range []struct {
		field string
		edit  func(*Catalog)
	}{
		{"base_url", func(c *Catalog) { c.BaseURL = "ftp://" + secret }},
		{"title.sv", func(c *Catalog) { c.Title.SV = "" }},
		{"publisher.org_number", func(c *Catalog) { c.Publisher.OrgNumber = secret }},
		{"licence", func(c *Catalog) { c.Licence = secret }},
		{"datasets[0].id", func(c *Catalog) { c.Datasets[0].ID = secret }},
		{"datasets[1].id: the same id", func(c *Catalog) { c.Datasets[1].ID = c.Datasets[0].ID }},
		{"datasets[0].themes[1]", func(c *Catalog) { c.Datasets[0].Themes[1] = secret }},
		{"datasets[0].themes", func(c *Catalog) { c.Datasets[0].Themes = nil }},
		{"datasets[2].contact_point.email", func(c *Catalog) { c.Datasets[2].ContactPoint.Email = secret + " <a@b.se>" }},
		{"datasets[2].contact_point.name", func(c *Catalog) { c.Datasets[2].ContactPoint.Name = secret + "\x07" }},
		{"datasets[0].keywords.en[1]", func(c *Catalog) { c.Datasets[0].Keywords.EN[1] = secret + "\xff" }},
		{"datasets[0].update_frequency", func(c *Catalog) { c.Datasets[0].UpdateFrequency = secret }},
		{"datasets[3].publisher.name: differs", func(c *Catalog) { c.Datasets[3].Publisher = Publisher{Name: secret, OrgNumber: "2120002080"} }},
		{"datasets[0].hvd_category", func(c *Catalog) { c.Datasets[0].HVDCategory = secret }},
		{"datasets[0].temporal.end", func(c *Catalog) { c.Datasets[0].Temporal.End = secret }},
		{"datasets[0].spatial.iri", func(c *Catalog) { c.Datasets[0].Spatial.IRI = "http://x/" + secret + ">" }},
		{"datasets[0].distributions[1].format: a second", func(c *Catalog) { c.Datasets[0].Distributions[1].Format = "csv" }},
		{"datasets[0].distributions[0].format", func(c *Catalog) { c.Datasets[0].Distributions[0].Format = secret }},
		{"datasets[0].distributions[0].access_url", func(c *Catalog) { c.Datasets[0].Distributions[0].AccessURL = "" }},
		{"datasets[0].distributions[0].download_url", func(c *Catalog) { c.Datasets[0].Distributions[0].DownloadURL = "https://x/ " + secret }},
		{"datasets[0].distributions[0].availability", func(c *Catalog) { c.Datasets[0].Distributions[0].Availability = secret }},
	} {
		c := testCatalog()
		tc.edit(&c)
		err := c.Validate()
		if err == nil {
			t.Errorf("%s: accepted", tc.field)
			continue
		}
		if !strings.Contains(err.Error(), "dcat: "+tc.field) {
			t.Errorf("%s: error does not name the field: %v", tc.field, err)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error contains the value: %v", tc.field, err)
		}
		var b bytes.Buffer
		if WriteRDFXML(&b, c) == nil || b.Len() != 0 {
			t.Errorf("%s: WriteRDFXML wrote an invalid catalog", tc.field)
		}
	}
	if err := testCatalog().Validate(); err != nil {
		t.Fatalf("the test catalog is invalid: %v", err)
	}
}

func TestIRIs(t *testing.T) {
	c := testCatalog()
	if got, want := vasteras.IRI(), "http://dataportal.se/organisation/SE2120002080"; got != want {
		t.Errorf("publisher IRI = %s, want %s", got, want)
	}
	c.BaseURL += "/"
	if got, want := c.DatasetIRI(c.Datasets[0].ID), testBase+"/datasets/2f8d6b4a-15c9-4e73-9a2b-7d0e3c5f1a68"; got != want {
		t.Errorf("dataset IRI = %s, want %s", got, want)
	}
	if got, want := c.IRI(), testBase+"/catalog"; got != want {
		t.Errorf("catalog IRI = %s, want %s", got, want)
	}
}
