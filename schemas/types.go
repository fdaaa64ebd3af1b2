package schemas

import (
	"fmt"
	"time"
)

// Date is a calendar date in ISO 8601 form (`2006-01-02`). Its schema is a
// string with format `date`.
type Date string

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date { return Date(t.Format(time.DateOnly)) }

// Time parses the date as midnight UTC.
func (d Date) Time() (time.Time, error) {
	t, err := time.Parse(time.DateOnly, string(d))
	if err != nil {
		return time.Time{}, fmt.Errorf("schemas: date %q: %w", string(d), err)
	}
	return t, nil
}

// Position is a point in WGS 84 decimal degrees (EPSG:4326). The schema
// bounds it to Sweden's extent, which also catches swapped latitude and
// longitude. Västerås map data is in SWEREF 99 16 30 (EPSG:3010) and must be
// transformed before it is sent.
type Position struct {
	// Lat is the latitude in decimal degrees north.
	Lat float64 `json:"lat" jsonschema:"title=Latitude,minimum=55,maximum=70,example=59.6099" jsonschema_description:"Latitude in WGS 84 decimal degrees (EPSG:4326), bounded to Sweden's extent."`
	// Lon is the longitude in decimal degrees east.
	Lon float64 `json:"lon" jsonschema:"title=Longitude,minimum=10,maximum=25,example=16.5448" jsonschema_description:"Longitude in WGS 84 decimal degrees (EPSG:4326), bounded to Sweden's extent."`
}

// Area identifies the geographical area a statistic is about. It is embedded
// in statistics events, so its properties appear at the top level.
type Area struct {
	// AreaCode is an SCB region code or a municipal district code.
	AreaCode string `json:"area_code" jsonschema:"title=Area code,pattern=^([0-9]{2}|[0-9]{4}|[0-9]{4}[A-C][0-9]{4}|[0-9]{4}R[0-9]{3}|[0-9]{4}-[0-9A-Za-z]+)$,maxLength=24,example=1980,example=19,example=1980C1010,example=1980-422" jsonschema_description:"SCB region code (regionkod): 00 for Sweden, two digits for a county (län; 19 is Västmanlands län), four for a municipality (kommun; 1980 is Västerås), a DeSO code (e.g. 1980C1010) or a RegSO code (e.g. 1980R008). A municipal district (e.g. valdistrikt 422 Tillberga tätort) is the municipality code, a hyphen and the local code: 1980-422."`
	// AreaName is the area's name, for people; AreaCode is the key.
	AreaName string `json:"area_name,omitempty" jsonschema:"title=Area name,maxLength=200,example=Västerås,example=Västmanlands län" jsonschema_description:"Name of the area as the source gives it, for people to read; area_code is the key."`
}

// Sex is the sex breakdown of a statistic (kön), as SCB reports it.
type Sex string

// The sexes SCB reports, and the total over both.
const (
	SexFemale Sex = "female"
	SexMale   Sex = "male"
	SexTotal  Sex = "total"
)

// EnumValues lists every Sex value, in schema order.
func (Sex) EnumValues() []string { return enumValues(SexFemale, SexMale, SexTotal) }

// Personal-data classes used as the value of the `x-personal-data` schema
// keyword on a property. An event with any such property has
// [Event.PersonalData] set and is never published raw.
const (
	// PersonalDirect marks a direct identifier: personnummer, name, e-mail,
	// phone number. Dropped before anything is published.
	PersonalDirect = "direct"
	// PersonalPseudonymous marks a pseudonym or a reference that links to a
	// person through a key held elsewhere. Still personal data under GDPR.
	PersonalPseudonymous = "pseudonymous"
	// PersonalQuasi marks a quasi-identifier (a birth date, an exact
	// position of a home) that can single a person out in combination.
	PersonalQuasi = "quasi-identifier"
	// PersonalFreeText marks free text typed by a person, which may contain
	// anything, names and personnummer included.
	PersonalFreeText = "free-text"
)

// enumValues converts typed enum constants to the strings of a schema enum.
func enumValues[T ~string](vs ...T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
