package dcat

import "time"

// Catalog is the organisation's whole open-data catalog: the one resource
// dataportal.se harvests.
type Catalog struct {
	// BaseURL is the portal's public root, e.g. "https://opendata.vasteras.se"
	// (http or https, no query, no trailing slash needed). Every IRI this
	// package mints starts with it.
	BaseURL string
	// Title and Description describe the catalog in Swedish and English.
	Title       Text
	Description Text
	// Publisher publishes the catalog, and every dataset without its own.
	Publisher Publisher
	// Homepage is the portal's start page (foaf:homepage); BaseURL when empty.
	Homepage string
	// Licence is the catalog's own licence (DCAT-AP-SE asks for one).
	Licence Licence
	// Spatial is the area the catalog covers; left out when zero.
	Spatial Spatial
	// Issued and Modified date the catalog; a zero time is left out.
	Issued   time.Time
	Modified time.Time
	// Datasets are the catalog's datasets, in the order they are written.
	Datasets []Dataset
}

// Text is a text in Swedish (required) and English (left out when empty).
type Text struct {
	SV string
	EN string
}

// Keywords are search words in Swedish and English.
type Keywords struct {
	SV []string
	EN []string
}

// Publisher is an organisation identified by its Swedish organisation number.
type Publisher struct {
	// Name is the organisation's name (foaf:name).
	Name string
	// OrgNumber is the organisationsnummer, e.g. "212000-2080"; the dash is
	// optional. The publisher's IRI follows from it (see IRI).
	OrgNumber string
	// Type is an ADMS publisher-type code, e.g. "LocalAuthority"; left out
	// when empty.
	Type string
}

// Contact is a dataset's contact point: a team or function, never a person.
type Contact struct {
	// Name is vcard:fn.
	Name string
	// Email is a functional mailbox, written as vcard:hasEmail <mailto:…>.
	Email string
}

// Spatial is the area a dataset covers.
type Spatial struct {
	// IRI identifies the area, e.g. a Geonames IRI; when empty the dataset
	// gets its own IRI <dataset>/spatial labelled with Name.
	IRI string
	// Name labels the area in Swedish (rdfs:label).
	Name string
}

// Temporal is the period a dataset covers, as dates "2006-01-02"; either
// end may be empty.
type Temporal struct {
	Start string
	End   string
}

// Licence is one of the licences civicbus publishes under.
type Licence string

// The licences.
const (
	LicenceCCBY4 Licence = "cc-by-4.0"
	LicenceCC0   Licence = "cc0"
)

// Dataset is one dataset of the catalog.
type Dataset struct {
	// ID is the dataset's UUID (lower case): its dct:identifier and the last
	// segment of its IRI <base>/datasets/<id>.
	ID string
	// Title and Description describe the dataset in Swedish and English.
	Title       Text
	Description Text
	// Themes are EU data-theme codes, e.g. "SOCI".
	Themes []string
	// Keywords are search words in Swedish and English.
	Keywords Keywords
	// Publisher publishes the dataset; the catalog's when zero.
	Publisher Publisher
	// ContactPoint answers questions about the dataset.
	ContactPoint Contact
	// Licence covers the dataset and all its distributions.
	Licence Licence
	// UpdateFrequency is continuous, hourly, daily, weekly, monthly,
	// quarterly, annual or irregular; left out when empty.
	UpdateFrequency string
	// Spatial and Temporal are the area and period covered; left out when zero.
	Spatial  Spatial
	Temporal Temporal
	// HVDCategory is geospatial, earth-observation, environment,
	// meteorological, statistics, companies or mobility for an EU high-value
	// dataset; empty otherwise.
	HVDCategory string
	// LandingPage is the dataset's page on the portal; left out when empty.
	LandingPage string
	// Issued and Modified date the dataset; a zero time is left out.
	Issued   time.Time
	Modified time.Time
	// Distributions are the downloadable forms, at most one per format.
	Distributions []Distribution
}

// Distribution is one downloadable form of a dataset.
type Distribution struct {
	// Format is csv, json, ndjson, parquet, xlsx or geojson. It is the last
	// segment of the distribution's IRI <dataset>/distributions/<format>.
	Format string
	// AccessURL is where the data is reached (required); DownloadURL is the
	// file itself (left out when empty).
	AccessURL   string
	DownloadURL string
	// Title and Description describe the distribution; left out when empty.
	Title       Text
	Description Text
	// Availability is stable, available, temporary or experimental (the EU
	// planned-availability vocabulary); left out when empty.
	Availability string
	// Modified dates the distribution's latest version; left out when zero.
	Modified time.Time
}
