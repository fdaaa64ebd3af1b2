package schemas

// Person-level events from the population register (folkbokföringen, as the
// municipality receives it from Skatteverket's Navet). They carry a
// personnummer and are personal data: they feed the automation's residency
// checks and the statistics the open-data service computes, and are NEVER
// published raw. They carry only what those uses need (data minimisation).

// ResidentMovedIn says that a person was registered at an address in the
// municipality (inflyttning, folkbokföring).
//
// Subject population.resident-moved-in; key register_event_id. Personal
// data.
type ResidentMovedIn struct {
	// RegisterEventID is the id of the notice in the register feed.
	RegisterEventID string `json:"register_event_id" jsonschema:"title=Register event id,pattern=^[A-Za-z0-9._:-]+$,minLength=1,maxLength=64,example=navet-2024-000123456" jsonschema_description:"Id of the notice (avisering) in the population-register feed; the event's natural key, so a re-read notice is recognised."`
	// Personnummer is the person's personal identity number.
	Personnummer string `json:"personnummer" jsonschema:"title=Personal identity number,pattern=^(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])-[0-9]{4}$,example=19121212-1212" jsonschema_description:"Personal identity number (personnummer) or coordination number (samordningsnummer, day plus 60) in the 12-digit form YYYYMMDD-NNNN. Direct identifier: never published." jsonschema_extras:"x-personal-data=direct"`
	// BirthDate is the person's date of birth.
	BirthDate Date `json:"birth_date,omitempty" jsonschema:"title=Birth date,format=date,example=2019-03-14" jsonschema_description:"Date of birth (födelsedatum), so that consumers can derive age bands without parsing the personnummer. Quasi-identifier." jsonschema_extras:"x-personal-data=quasi-identifier"`
	// MovedInOn is the date the person was registered at the new address.
	MovedInOn Date `json:"moved_in_on" jsonschema:"title=Moved in on,format=date,example=2024-08-01" jsonschema_description:"Date from which the person is registered at the new address (folkbokföringsdatum)."`
	// MunicipalityCode is the SCB code of the receiving municipality.
	MunicipalityCode string `json:"municipality_code" jsonschema:"title=Municipality code,pattern=^[0-9]{4}$,example=1980" jsonschema_description:"SCB municipality code (kommunkod) of the municipality moved to; 1980 is Västerås."`
	// AreaCode is the district of the new address.
	AreaCode string `json:"area_code,omitempty" jsonschema:"title=Area code,pattern=^([0-9]{4}[A-C][0-9]{4}|[0-9]{4}R[0-9]{3}|[0-9]{4}-[0-9A-Za-z]+)$,maxLength=24,example=1980-422" jsonschema_description:"District of the new address: a DeSO or RegSO code or a municipal district code (1980-422). Never the address itself." jsonschema_extras:"x-personal-data=quasi-identifier"`
	// FromMunicipalityCode is the municipality moved from, within Sweden.
	FromMunicipalityCode string `json:"from_municipality_code,omitempty" jsonschema:"title=From municipality code,pattern=^[0-9]{4}$,example=1884" jsonschema_description:"SCB municipality code of the municipality moved from, for a move within Sweden (inrikes inflyttning)."`
	// FromCountry is the country moved from, for immigration.
	FromCountry string `json:"from_country,omitempty" jsonschema:"title=From country,pattern=^[A-Z]{2}$,example=FI" jsonschema_description:"ISO 3166-1 alpha-2 code of the country moved from, for immigration (invandring)."`
}

// BirthRegistered says that a child born to a resident was registered in
// the municipality (födelse, folkbokföring).
//
// Subject population.birth-registered; key register_event_id. Personal
// data.
type BirthRegistered struct {
	// RegisterEventID is the id of the notice in the register feed.
	RegisterEventID string `json:"register_event_id" jsonschema:"title=Register event id,pattern=^[A-Za-z0-9._:-]+$,minLength=1,maxLength=64,example=navet-2024-000123457" jsonschema_description:"Id of the notice (avisering) in the population-register feed; the event's natural key, so a re-read notice is recognised."`
	// Personnummer is the child's personal identity number.
	Personnummer string `json:"personnummer" jsonschema:"title=Personal identity number,pattern=^(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])-[0-9]{4}$,example=20240517-2384" jsonschema_description:"The child's personal identity number (personnummer) in the 12-digit form YYYYMMDD-NNNN. Direct identifier: never published." jsonschema_extras:"x-personal-data=direct"`
	// BirthDate is the child's date of birth.
	BirthDate Date `json:"birth_date" jsonschema:"title=Birth date,format=date,example=2024-05-17" jsonschema_description:"The child's date of birth (födelsedatum). Quasi-identifier." jsonschema_extras:"x-personal-data=quasi-identifier"`
	// MunicipalityCode is the SCB code of the municipality of registration.
	MunicipalityCode string `json:"municipality_code" jsonschema:"title=Municipality code,pattern=^[0-9]{4}$,example=1980" jsonschema_description:"SCB municipality code (kommunkod) where the child is registered; 1980 is Västerås."`
	// AreaCode is the district of the child's registered address.
	AreaCode string `json:"area_code,omitempty" jsonschema:"title=Area code,pattern=^([0-9]{4}[A-C][0-9]{4}|[0-9]{4}R[0-9]{3}|[0-9]{4}-[0-9A-Za-z]+)$,maxLength=24,example=1980-422" jsonschema_description:"District of the registered address: a DeSO or RegSO code or a municipal district code (1980-422). Never the address itself." jsonschema_extras:"x-personal-data=quasi-identifier"`
}
