// Package dataset declares open datasets: what a dataset is about (the
// DCAT-AP-SE metadata the portal and dataportal.se show), which events feed
// it, the shape of its rows, and the privacy policy that anonymises it.
//
// A definition is one YAML file, decoded strictly (an unknown key is an
// error with its line) and checked by Check, which reports every problem
// with its path and line. Its JSON Schema, for editors, comes from the Go
// types here (see Schema).
//
// Privacy fails closed at the definition too: every field of a source event
// that a dataset may read is classified in source.fields; a field nobody
// classified is invisible to the dataset's expressions, so a field that a
// new version of an event brings stays out until a person classifies it.
// A class may not be weaker than the source topic's event schema marks the
// field (x-personal-data, on it or anywhere under it): a direct identifier
// must be classified direct, a quasi-identifier or pseudonym may not be
// public, and free text may be read by no expression at all (see
// personal.go). A field or topic the catalog does not know is taken as
// classified.
package dataset

import "time"

// Definition is one dataset.
type Definition struct {
	// ID is the dataset's UUID: its dct:identifier in the DCAT catalog.
	ID string `yaml:"id" json:"id" jsonschema:"format=uuid,description=UUID of the dataset; its dct:identifier in the DCAT-AP-SE catalog. Never change it."`
	// Name is the dataset's short name in URLs and commands.
	Name string `yaml:"name" json:"name" jsonschema:"pattern=^[a-z0-9][a-z0-9-]*$,description=Short name for URLs and commands: lower-case letters\\, digits and hyphens."`
	// Title is the title in Swedish and English.
	Title Text `yaml:"title" json:"title" jsonschema:"description=Title in Swedish (sv) and English (en)."`
	// Description is the description in Swedish and English.
	Description Text `yaml:"description" json:"description" jsonschema:"description=Description in Swedish (sv) and English (en): what the data is\\, where it comes from\\, what it can be used for."`
	// Themes are codes of the EU data-theme vocabulary.
	Themes []string `yaml:"themes" json:"themes" jsonschema:"minItems=1,enum=AGRI,enum=ECON,enum=EDUC,enum=ENER,enum=ENVI,enum=GOVE,enum=HEAL,enum=INTR,enum=JUST,enum=REGI,enum=SOCI,enum=TECH,enum=TRAN,description=Themes from the EU data-theme vocabulary (http://publications.europa.eu/resource/authority/data-theme)."`
	// Keywords are search words in Swedish and English.
	Keywords Keywords `yaml:"keywords" json:"keywords,omitempty" jsonschema:"description=Keywords in Swedish (sv) and English (en)."`
	// Publisher is the organisation that publishes the dataset.
	Publisher Publisher `yaml:"publisher" json:"publisher,omitempty" jsonschema:"description=The publishing organisation; Västerås stad when left out."`
	// ContactPoint is who answers questions about the dataset.
	ContactPoint Contact `yaml:"contact_point" json:"contact_point" jsonschema:"description=Who answers questions about the dataset (vcard:fn and vcard:hasEmail)."`
	// Licence is cc-by-4.0 or cc0.
	Licence string `yaml:"licence" json:"licence" jsonschema:"enum=cc-by-4.0,enum=cc0,description=Licence of every version: CC BY 4.0 or CC0."`
	// UpdateFrequency is how often a new version is published.
	UpdateFrequency string `yaml:"update_frequency" json:"update_frequency" jsonschema:"enum=continuous,enum=hourly,enum=daily,enum=weekly,enum=monthly,enum=quarterly,enum=annual,enum=irregular,description=How often a new version is published (EU frequency vocabulary); the service publishes on this schedule when the data changed."`
	// Spatial is the area the data covers.
	Spatial Spatial `yaml:"spatial" json:"spatial,omitempty" jsonschema:"description=Area the data covers."`
	// Temporal is the period the data covers, when fixed.
	Temporal Temporal `yaml:"temporal" json:"temporal,omitempty" jsonschema:"description=Period the data covers; left out\\, it is computed per version from the data."`
	// HVDCategory is the EU high-value-dataset category, when one applies.
	HVDCategory string `yaml:"hvd_category" json:"hvd_category,omitempty" jsonschema:"enum=geospatial,enum=earth-observation,enum=environment,enum=meteorological,enum=statistics,enum=companies,enum=mobility,description=EU high-value-dataset category (Implementing Regulation 2023/138)\\, when one applies."`
	// Source says which events feed the dataset.
	Source Source `yaml:"source" json:"source"`
	// Shape says what a row of the dataset is.
	Shape Shape `yaml:"shape" json:"shape"`
	// Privacy is the anonymisation policy.
	Privacy Policy `yaml:"privacy" json:"privacy"`
}

// Text is a text in Swedish and English.
type Text struct {
	SV string `yaml:"sv" json:"sv" jsonschema:"minLength=1,description=Swedish."`
	EN string `yaml:"en" json:"en" jsonschema:"minLength=1,description=English."`
}

// Keywords are keywords in Swedish and English.
type Keywords struct {
	SV []string `yaml:"sv" json:"sv,omitempty"`
	EN []string `yaml:"en" json:"en,omitempty"`
}

// Publisher is an organisation, identified by its Swedish organisation
// number, from which its dataportal.se IRI follows.
type Publisher struct {
	Name      string `yaml:"name" json:"name,omitempty" jsonschema:"description=Name of the organisation."`
	OrgNumber string `yaml:"org_number" json:"org_number,omitempty" jsonschema:"pattern=^[0-9]{6}-[0-9]{4}$,description=Swedish organisation number (organisationsnummer)\\, e.g. 212000-2080."`
}

// IRI is the publisher's IRI as dataportal.se expects it.
func (p Publisher) IRI() string {
	return "http://dataportal.se/organisation/SE" + stripDash(p.OrgNumber)
}

func stripDash(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '-' {
			out = append(out, s[i])
		}
	}
	return string(out)
}

// Västerås stad is the default publisher.
var Vasteras = Publisher{Name: "Västerås stad", OrgNumber: "212000-2080"}

// Contact is a contact point.
type Contact struct {
	Name  string `yaml:"name" json:"name" jsonschema:"minLength=1,description=Name of the team or function (not a person's name)."`
	Email string `yaml:"email" json:"email" jsonschema:"format=email,description=A functional mailbox\\, e.g. opendata@vasteras.se."`
}

// Spatial is an area.
type Spatial struct {
	Name string `yaml:"name" json:"name,omitempty" jsonschema:"description=Name of the area\\, e.g. Västerås kommun."`
	IRI  string `yaml:"iri" json:"iri,omitempty" jsonschema:"format=uri,description=IRI of the area\\, e.g. from the EU place or Geonames vocabulary."`
}

// Temporal is a period.
type Temporal struct {
	Start string `yaml:"start" json:"start,omitempty" jsonschema:"format=date"`
	End   string `yaml:"end" json:"end,omitempty" jsonschema:"format=date"`
}

// Source is the events a dataset is made from.
type Source struct {
	// Topics are the catalog topics read.
	Topics []string `yaml:"topics" json:"topics" jsonschema:"minItems=1,description=Catalog topics the dataset reads\\, e.g. meals.food-waste.v1."`
	// Filter is a CEL expression over event (and topic) that keeps an event
	// when true.
	Filter string `yaml:"filter" json:"filter,omitempty" jsonschema:"description=CEL expression over event and topic; an event is kept when it is true."`
	// Fields classifies every event field the dataset may read.
	Fields map[string]string `yaml:"fields" json:"fields" jsonschema:"description=Classification of each event field the dataset may read: public\\, quasi (a quasi-identifier)\\, sensitive\\, or direct (identifies a person; readable only by a pseudonymised column). Unclassified fields are invisible."`
}

// The field classes.
const (
	ClassPublic    = "public"
	ClassQuasi     = "quasi"
	ClassSensitive = "sensitive"
	ClassDirect    = "direct"
)

// The shapes.
const (
	ShapeMicrodata = "microdata"
	ShapeAggregate = "aggregate"
)

// Shape is what a row of the dataset is.
type Shape struct {
	// Kind is microdata (one row per event) or aggregate.
	Kind string `yaml:"kind" json:"kind" jsonschema:"enum=microdata,enum=aggregate,description=microdata: one row per event (or per key); aggregate: one row per group and time bucket with measures."`
	// Columns are computed from each event.
	Columns []Column `yaml:"columns" json:"columns" jsonschema:"minItems=1"`
	// Key, for microdata, is a CEL expression of a row's identity: a later
	// event with the same key replaces the row. Default: the event id.
	Key string `yaml:"key" json:"key,omitempty" jsonschema:"description=Microdata: CEL expression of a row's identity; a later event with the same key replaces the row. Default: the event id."`
	// GroupBy are the columns an aggregate groups by.
	GroupBy []string `yaml:"group_by" json:"group_by,omitempty" jsonschema:"description=Aggregate: the columns rows are grouped by."`
	// TimeBucket buckets a date column of an aggregate.
	TimeBucket *TimeBucket `yaml:"time_bucket" json:"time_bucket,omitempty"`
	// Measures are an aggregate's figures per group.
	Measures []Measure `yaml:"measures" json:"measures,omitempty"`
}

// Column is one column computed from an event.
type Column struct {
	Name        string `yaml:"name" json:"name" jsonschema:"pattern=^[a-z][a-z0-9_]*$"`
	Expr        string `yaml:"expr" json:"expr" jsonschema:"description=CEL expression over event (the classified fields only) and topic."`
	Type        string `yaml:"type" json:"type,omitempty" jsonschema:"enum=string,enum=integer,enum=number,enum=boolean,enum=date,description=Type of the column's values (default string)."`
	Description Text   `yaml:"description" json:"description,omitempty"`
}

// TimeBucket truncates a date column.
type TimeBucket struct {
	Column string `yaml:"column" json:"column"`
	Unit   string `yaml:"unit" json:"unit" jsonschema:"enum=day,enum=week,enum=month,enum=quarter,enum=year"`
}

// Measure is one aggregate figure.
type Measure struct {
	Name   string `yaml:"name" json:"name" jsonschema:"pattern=^[a-z][a-z0-9_]*$"`
	Fn     string `yaml:"fn" json:"fn" jsonschema:"enum=count,enum=sum,enum=mean,enum=min,enum=max"`
	Column string `yaml:"column" json:"column,omitempty" jsonschema:"description=The numeric column measured (not for count)."`
}

// Policy is a dataset's anonymisation policy.
type Policy struct {
	// DirectIdentifiers are columns dropped before publication.
	Drop []string `yaml:"drop" json:"drop,omitempty" jsonschema:"description=Columns computed for filtering or keys but never published."`
	// Pseudonymise are columns replaced by a keyed hash (HMAC-SHA-256) whose
	// key is rotated per version.
	Pseudonymise []string `yaml:"pseudonymise" json:"pseudonymise,omitempty" jsonschema:"description=Columns replaced by a keyed hash whose key is rotated per version; the only columns that may read direct fields."`
	// QuasiIdentifiers are generalised until every combination is shared by
	// at least K rows (microdata).
	QuasiIdentifiers []QuasiIdentifier `yaml:"quasi_identifiers" json:"quasi_identifiers,omitempty"`
	// K is the k of k-anonymity (default 5).
	K int `yaml:"k" json:"k,omitempty" jsonschema:"minimum=2,description=k of k-anonymity over the quasi-identifiers (default 5)."`
	// MaxSuppression is the share of rows that may be suppressed to reach K.
	MaxSuppression float64 `yaml:"max_suppression" json:"max_suppression,omitempty" jsonschema:"minimum=0,maximum=0.2,description=Share of rows that may be suppressed to reach k (default 0.04 = 4 %)."`
	// LDiversity asks for at least L distinct sensitive values per class.
	LDiversity *LDiversity `yaml:"l_diversity" json:"l_diversity,omitempty"`
	// SmallCells suppresses aggregate cells below a threshold (default 5).
	SmallCells SmallCells `yaml:"small_cells" json:"small_cells,omitempty"`
	// Epsilon, when set, adds Laplace noise to counts and sums.
	Epsilon float64 `yaml:"epsilon" json:"epsilon,omitempty" jsonschema:"minimum=0,description=Differential-privacy budget per version; when set\\, counts and sums get Laplace noise."`
	// EventsPerPerson is how many events one person contributes at most,
	// the sensitivity of the noise (default 1).
	EventsPerPerson int `yaml:"events_per_person" json:"events_per_person,omitempty" jsonschema:"minimum=1,description=With epsilon: the most events one person contributes to a version (default 1); the noise grows with it."`
	// SumBound clamps each event's contribution to a sum when Epsilon is set.
	SumBound float64 `yaml:"sum_bound" json:"sum_bound,omitempty" jsonschema:"minimum=0,description=With epsilon: the largest contribution one event makes to a sum (values are clamped to it)."`
}

// QuasiIdentifier is a column and how it generalises.
type QuasiIdentifier struct {
	Column    string    `yaml:"column" json:"column"`
	Hierarchy Hierarchy `yaml:"hierarchy" json:"hierarchy"`
}

// Hierarchy says how a quasi-identifier generalises, level by level.
type Hierarchy struct {
	// Kind is interval (numbers to bands), date (day to month, year), mask
	// (hide trailing characters), csv (an ARX hierarchy file, e.g.
	// address;district;*) or districts (coordinates "lat,lon" to the
	// district with the nearest point, its area, *).
	Kind string `yaml:"kind" json:"kind" jsonschema:"enum=interval,enum=date,enum=mask,enum=csv,enum=districts"`
	// Widths are the band widths of an interval hierarchy, one per level.
	Widths []float64 `yaml:"widths" json:"widths,omitempty" jsonschema:"description=interval: band width per level\\, e.g. [5\\, 10\\, 20]."`
	// Levels is how many trailing characters a mask hierarchy hides at
	// most, one more per level (default 3).
	Levels int `yaml:"levels" json:"levels,omitempty" jsonschema:"minimum=1,description=mask: the most trailing characters hidden\\, one more per level (default 3)."`
	// File is an ARX hierarchy CSV, or a districts file
	// (district;area;lat;lon), relative to the definition.
	File string `yaml:"file" json:"file,omitempty" jsonschema:"description=csv: an ARX hierarchy file (value;level1;level2…); districts: a file district;area;lat;lon; relative to the definition."`
}

// MaskLevels is Levels, or its default 3.
func (h Hierarchy) MaskLevels() int {
	if h.Levels > 0 {
		return h.Levels
	}
	return 3
}

// LDiversity is distinct l-diversity over a sensitive column.
type LDiversity struct {
	Column string `yaml:"column" json:"column"`
	L      int    `yaml:"l" json:"l" jsonschema:"minimum=2"`
}

// SmallCells is small-cell suppression of an aggregate.
type SmallCells struct {
	// Threshold: cells counting fewer than this are suppressed (default 5).
	Threshold int `yaml:"threshold" json:"threshold,omitempty" jsonschema:"minimum=1"`
	// Measure is the measure that counts persons (default count).
	Measure string `yaml:"measure" json:"measure,omitempty" jsonschema:"description=The measure that counts persons (default: the count measure)."`
}

// PerPerson is the policy's EventsPerPerson, or 1.
func (p Policy) PerPerson() int { return max(p.EventsPerPerson, 1) }

// The defaults of a policy.
const (
	DefaultK              = 5
	DefaultMaxSuppression = 0.04
	DefaultSmallCell      = 5
)

// Interval is how often a version is due under the update frequency; 0 for
// irregular (published only when asked).
func (d *Definition) Interval() time.Duration {
	switch d.UpdateFrequency {
	case "continuous", "hourly":
		return time.Hour
	case "daily":
		return 24 * time.Hour
	case "weekly":
		return 7 * 24 * time.Hour
	case "monthly":
		return 30 * 24 * time.Hour
	case "quarterly":
		return 91 * 24 * time.Hour
	case "annual":
		return 365 * 24 * time.Hour
	}
	return 0
}

// LicenceIRI is the licence as the IRI dataportal.se expects (http).
func (d *Definition) LicenceIRI() string {
	if d.Licence == "cc0" {
		return "http://creativecommons.org/publicdomain/zero/1.0/"
	}
	return "http://creativecommons.org/licenses/by/4.0/"
}
