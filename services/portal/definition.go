package portal

// Definition is the part of a dataset's definition the portal shows, as the
// open-data service's API gives it (GET datasets/{id}, "definition"). The
// portal reads that JSON into its own types: services never import each
// other.
type Definition struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Title           Text     `json:"title"`
	Description     Text     `json:"description"`
	Themes          []string `json:"themes"`
	Keywords        Keywords `json:"keywords"`
	Publisher       Org      `json:"publisher"`
	ContactPoint    Contact  `json:"contact_point"`
	Licence         string   `json:"licence"`
	UpdateFrequency string   `json:"update_frequency"`
	Spatial         Spatial  `json:"spatial"`
	Temporal        Period   `json:"temporal"`
	HVDCategory     string   `json:"hvd_category"`
	Shape           Shape    `json:"shape"`
	Privacy         Privacy  `json:"privacy"`
}

// Privacy is the part of a dataset's anonymisation policy that changes
// what its published columns hold.
type Privacy struct {
	// QuasiIdentifiers are generalised by k-anonymity: a published value
	// is a band, a month or year, an area or "*", not the declared type.
	QuasiIdentifiers []QuasiIdentifier `json:"quasi_identifiers"`
}

// QuasiIdentifier is a column k-anonymity generalises.
type QuasiIdentifier struct {
	Column string `json:"column"`
}

// Text is a text in Swedish and English.
type Text struct {
	SV string `json:"sv"`
	EN string `json:"en"`
}

// In returns the text in lang ("en" or Swedish), falling back to Swedish.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.SV
}

// Keywords are search words in Swedish and English.
type Keywords struct {
	SV []string `json:"sv"`
	EN []string `json:"en"`
}

// In returns the keywords in lang, falling back to Swedish.
func (k Keywords) In(lang string) []string {
	if lang == "en" && len(k.EN) > 0 {
		return k.EN
	}
	return k.SV
}

// Org is a publishing organisation.
type Org struct {
	Name      string `json:"name"`
	OrgNumber string `json:"org_number"`
}

// Vasteras is the publisher of a dataset that names none.
var Vasteras = Org{Name: "Västerås stad", OrgNumber: "212000-2080"}

// Contact is a dataset's contact point: a function, never a person.
type Contact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Spatial is the area a dataset covers.
type Spatial struct {
	Name string `json:"name"`
	IRI  string `json:"iri"`
}

// Period is the time a dataset covers, as dates.
type Period struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Shape is what a row of the dataset is.
type Shape struct {
	Kind       string      `json:"kind"`
	Columns    []Column    `json:"columns"`
	GroupBy    []string    `json:"group_by,omitempty"`
	TimeBucket *TimeBucket `json:"time_bucket,omitempty"`
	Measures   []Measure   `json:"measures"`
}

// TimeBucket is the date column an aggregate buckets, and by what unit
// (day, week, month, quarter, year).
type TimeBucket struct {
	Column string `json:"column"`
	Unit   string `json:"unit"`
}

// Column is a column of the dataset.
type Column struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description Text   `json:"description"`
}

// Measure is an aggregate's figure.
type Measure struct {
	Name   string `json:"name"`
	Fn     string `json:"fn"`
	Column string `json:"column"`
}

// publisher is the dataset's publisher, Västerås stad when it names none.
func (d Definition) publisher() Org {
	if d.Publisher.OrgNumber == "" {
		return Vasteras
	}
	return d.Publisher
}

// column describes the published column name: its declared column or the
// measure it is; ok is false for neither. A quasi-identifier is typed
// string whatever its declared type: k-anonymity publishes it generalised
// ("2024", "2024-04", "10-19", "*"), so a date or integer type would
// promise what its values are not (a Parquet writer or a CKAN client
// would reject them).
func (d Definition) column(name string) (Column, bool) {
	for _, c := range d.Shape.Columns {
		if c.Name == name {
			for _, q := range d.Privacy.QuasiIdentifiers {
				if q.Column == name {
					c.Type = "string"
				}
			}
			return c, true
		}
	}
	for _, m := range d.Shape.Measures {
		if m.Name == name {
			if m.Fn == "count" {
				return Column{Name: name, Type: "integer"}, true
			}
			return Column{Name: name, Type: "number"}, true
		}
	}
	return Column{}, false
}
