package dcat

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Validate reports every problem of the catalog at once, each naming the
// field (e.g. "datasets[2].contact_point.email"), never its value. The
// writers call it and write nothing for an invalid catalog.
func (c Catalog) Validate() error {
	v := &validator{}
	v.iri("base_url", c.BaseURL, true)
	if u, err := url.Parse(c.BaseURL); err == nil && (u.RawQuery != "" || u.Fragment != "") {
		v.addf("base_url: must have no query or fragment")
	}
	v.text("title", c.Title)
	v.text("description", c.Description)
	v.publisher("publisher", c.Publisher)
	v.iri("homepage", c.Homepage, false)
	v.licence("licence", c.Licence)
	v.iri("spatial.iri", c.Spatial.IRI, false)
	v.literal("spatial.name", c.Spatial.Name, false)
	ids := map[string]bool{}
	names := map[string]string{c.Publisher.IRI(): c.Publisher.Name}
	for i, d := range c.Datasets {
		p := fmt.Sprintf("datasets[%d]", i)
		if ids[d.ID] {
			v.addf("%s.id: the same id as an earlier dataset", p)
		}
		ids[d.ID] = true
		v.dataset(p, d)
		if d.Publisher == (Publisher{}) {
			continue
		}
		if name, ok := names[d.Publisher.IRI()]; ok && name != d.Publisher.Name {
			v.addf("%s.publisher.name: differs from the name given earlier for the same organisation number", p)
		}
		names[d.Publisher.IRI()] = d.Publisher.Name
	}
	return errors.Join(v.errs...)
}

var (
	uuidRE   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	orgNumRE = regexp.MustCompile(`^[0-9]{6}-?[0-9]{4}$`)
)

type validator struct{ errs []error }

func (v *validator) addf(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("dcat: "+format, args...))
}

func (v *validator) dataset(p string, d Dataset) {
	if !uuidRE.MatchString(d.ID) {
		v.addf("%s.id: not a lower-case UUID", p)
	}
	v.text(p+".title", d.Title)
	v.text(p+".description", d.Description)
	if len(d.Themes) == 0 {
		v.addf("%s.themes: at least one EU data theme is required", p)
	}
	for i, t := range d.Themes {
		if !themes[t] {
			v.addf("%s.themes[%d]: not an EU data-theme code", p, i)
		}
	}
	v.words(p+".keywords.sv", d.Keywords.SV)
	v.words(p+".keywords.en", d.Keywords.EN)
	if d.Publisher != (Publisher{}) {
		v.publisher(p+".publisher", d.Publisher)
	}
	v.literal(p+".contact_point.name", d.ContactPoint.Name, true)
	if a, err := mail.ParseAddress(d.ContactPoint.Email); err != nil || a.Address != d.ContactPoint.Email || !iriSafe(a.Address) {
		v.addf("%s.contact_point.email: not a plain e-mail address", p)
	}
	v.licence(p+".licence", d.Licence)
	v.oneOf(p+".update_frequency", d.UpdateFrequency, frequencies)
	v.iri(p+".spatial.iri", d.Spatial.IRI, false)
	v.literal(p+".spatial.name", d.Spatial.Name, false)
	v.date(p+".temporal.start", d.Temporal.Start)
	v.date(p+".temporal.end", d.Temporal.End)
	v.oneOf(p+".hvd_category", d.HVDCategory, hvdCategories)
	v.iri(p+".landing_page", d.LandingPage, false)
	seen := map[string]bool{}
	for i, dist := range d.Distributions {
		q := fmt.Sprintf("%s.distributions[%d]", p, i)
		if seen[dist.Format] {
			v.addf("%s.format: a second distribution of the same format", q)
		}
		seen[dist.Format] = true
		v.distribution(q, dist)
	}
}

func (v *validator) distribution(p string, d Distribution) {
	if _, ok := formats[d.Format]; !ok {
		v.addf("%s.format: unknown format", p)
	}
	v.iri(p+".access_url", d.AccessURL, true)
	v.iri(p+".download_url", d.DownloadURL, false)
	v.optionalText(p+".title", d.Title)
	v.optionalText(p+".description", d.Description)
	v.oneOf(p+".availability", d.Availability, availabilities)
}

func (v *validator) publisher(p string, pub Publisher) {
	v.literal(p+".name", pub.Name, true)
	if !orgNumRE.MatchString(pub.OrgNumber) {
		v.addf("%s.org_number: not an organisation number (NNNNNN-NNNN)", p)
	}
	if pub.Type != "" && !publisherTypes[pub.Type] {
		v.addf("%s.type: not an ADMS publisher type", p)
	}
}

func (v *validator) licence(p string, l Licence) {
	if _, ok := licences[l]; !ok {
		v.addf("%s: must be %s or %s", p, LicenceCCBY4, LicenceCC0)
	}
}

func (v *validator) oneOf(p, s string, allowed map[string]string) {
	if _, ok := allowed[s]; s != "" && !ok {
		v.addf("%s: not one of the known values", p)
	}
}

func (v *validator) date(p, s string) {
	if _, err := time.Parse(time.DateOnly, s); s != "" && err != nil {
		v.addf("%s: not a date YYYY-MM-DD", p)
	}
}

// text requires the Swedish text; the English one is optional.
func (v *validator) text(p string, t Text) {
	v.literal(p+".sv", t.SV, true)
	v.literal(p+".en", t.EN, false)
}

func (v *validator) optionalText(p string, t Text) {
	v.literal(p+".sv", t.SV, false)
	v.literal(p+".en", t.EN, false)
}

func (v *validator) words(p string, ws []string) {
	for i, w := range ws {
		v.literal(fmt.Sprintf("%s[%d]", p, i), w, true)
	}
}

// literal rejects what XML 1.0 cannot carry: invalid UTF-8 and control
// characters other than tab, newline and carriage return.
func (v *validator) literal(p, s string, required bool) {
	switch {
	case s == "" && required:
		v.addf("%s: required", p)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
		return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF
	}):
		v.addf("%s: contains a control character or invalid UTF-8", p)
	}
}

// iri requires an absolute http(s) IRI that every serialisation can carry
// unescaped.
func (v *validator) iri(p, s string, required bool) {
	if s == "" {
		if required {
			v.addf("%s: required", p)
		}
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !iriSafe(s) {
		v.addf("%s: not an absolute http(s) IRI", p)
	}
}

// iriSafe reports whether s has none of the characters an IRI may not
// contain (RFC 3987) and Turtle's IRIREF forbids.
func iriSafe(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool {
		return r <= 0x20 || r == 0x7F || strings.ContainsRune("<>\"{}|^`\\", r)
	}) && utf8.ValidString(s)
}
