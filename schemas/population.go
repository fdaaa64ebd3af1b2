package schemas

// Population statistics: aggregates as SCB publishes them (Statistikdatabasen
// BE0101), per area and period. They carry no personal data. Person-level
// register events are in population_register.go.

// PopulationByAge is the population of an area on a reference date for one
// age and sex (folkmängd efter region, ålder och kön).
//
// Subject population.population-by-age; key area_code, reference_date, age,
// sex.
type PopulationByAge struct {
	Area
	// ReferenceDate is the date the population was counted.
	ReferenceDate Date `json:"reference_date" jsonschema:"title=Reference date,format=date,example=2019-12-31" jsonschema_description:"Date the population was counted; SCB counts it on 31 December (folkmängd den 31 december)."`
	// Age is the age in whole years.
	Age int `json:"age" jsonschema:"title=Age,minimum=0,maximum=120,example=4" jsonschema_description:"Age in completed years (ålder). With age_open_ended it is the lower bound of the open top class."`
	// AgeOpenEnded is true for the open top class, such as SCB's "100+".
	AgeOpenEnded bool `json:"age_open_ended,omitempty" jsonschema:"title=Age open-ended" jsonschema_description:"True when this row is the open top age class: SCB's 100 means 100 years or older (100+ år)."`
	// Sex is the sex of the persons counted.
	Sex Sex `json:"sex" jsonschema:"title=Sex" jsonschema_description:"Sex (kön) of the persons counted: female (kvinnor), male (män) or total (totalt) when the source has no breakdown."`
	// Persons is the number of persons.
	Persons int `json:"persons" jsonschema:"title=Persons,minimum=0,example=1782" jsonschema_description:"Number of persons registered in the area (folkbokförda) on the reference date."`
}

// Births is the number of live births in an area and period (levande
// födda).
//
// Subject population.births; key area_code, year, month, sex.
type Births struct {
	Area
	// Year is the calendar year of the period.
	Year int `json:"year" jsonschema:"title=Year,minimum=1900,maximum=2100,example=2023" jsonschema_description:"Calendar year of the period (år)."`
	// Month is the month for monthly figures; absent for a whole year.
	Month int `json:"month,omitempty" jsonschema:"title=Month,minimum=1,maximum=12,example=5" jsonschema_description:"Month of the period (månad), 1-12; absent when the figure covers the whole year."`
	// Sex is the sex of the children born.
	Sex Sex `json:"sex" jsonschema:"title=Sex" jsonschema_description:"Sex (kön) of the children born, or total (totalt) when the source has no breakdown."`
	// LiveBirths is the number of children born alive.
	LiveBirths int `json:"live_births" jsonschema:"title=Live births,minimum=0,example=3774" jsonschema_description:"Number of live births (levande födda) to mothers registered in the area."`
}

// Deaths is the number of deaths in an area and period (döda).
//
// Subject population.deaths; key area_code, year, month, age, sex.
type Deaths struct {
	Area
	// Year is the calendar year of the period.
	Year int `json:"year" jsonschema:"title=Year,minimum=1900,maximum=2100,example=2023" jsonschema_description:"Calendar year of the period (år)."`
	// Month is the month for monthly figures; absent for a whole year.
	Month int `json:"month,omitempty" jsonschema:"title=Month,minimum=1,maximum=12" jsonschema_description:"Month of the period (månad), 1-12; absent when the figure covers the whole year."`
	// Age is the age at death; nil when the figure covers all ages.
	Age *int `json:"age,omitempty" jsonschema:"title=Age,minimum=0,maximum=120,example=0" jsonschema_description:"Age at death in completed years (ålder); absent when the figure covers all ages."`
	// Sex is the sex of the deceased.
	Sex Sex `json:"sex" jsonschema:"title=Sex" jsonschema_description:"Sex (kön) of the deceased, or total (totalt) when the source has no breakdown."`
	// Deaths is the number of deaths.
	Deaths int `json:"deaths" jsonschema:"title=Deaths,minimum=0,example=10" jsonschema_description:"Number of deaths (döda) of persons registered in the area."`
}

// MigrationFlow says which migration figure a Migration event carries.
type MigrationFlow string

// The migration figures SCB publishes.
const (
	MigrationIn  MigrationFlow = "in"
	MigrationOut MigrationFlow = "out"
	MigrationNet MigrationFlow = "net"
)

// EnumValues lists every MigrationFlow value, in schema order.
func (MigrationFlow) EnumValues() []string {
	return enumValues(MigrationIn, MigrationOut, MigrationNet)
}

// MigrationScope says which moves a Migration event counts.
type MigrationScope string

// The migration scopes: all moves across the area's border, moves within
// Sweden, and moves to or from abroad.
const (
	MigrationTotal         MigrationScope = "total"
	MigrationDomestic      MigrationScope = "domestic"
	MigrationInternational MigrationScope = "international"
)

// EnumValues lists every MigrationScope value, in schema order.
func (MigrationScope) EnumValues() []string {
	return enumValues(MigrationTotal, MigrationDomestic, MigrationInternational)
}

// Migration is the number of people who moved into or out of an area in a
// period, or the net of both (flyttningar).
//
// Subject population.migration; key area_code, year, month, age, sex, flow,
// scope.
type Migration struct {
	Area
	// Year is the calendar year of the period.
	Year int `json:"year" jsonschema:"title=Year,minimum=1900,maximum=2100,example=2023" jsonschema_description:"Calendar year of the period (år)."`
	// Month is the month for monthly figures; absent for a whole year.
	Month int `json:"month,omitempty" jsonschema:"title=Month,minimum=1,maximum=12" jsonschema_description:"Month of the period (månad), 1-12; absent when the figure covers the whole year."`
	// Age is the age of the movers; nil when the figure covers all ages.
	Age *int `json:"age,omitempty" jsonschema:"title=Age,minimum=0,maximum=120,example=0" jsonschema_description:"Age of the movers in completed years (ålder) at the end of the year; absent when the figure covers all ages."`
	// Sex is the sex of the movers.
	Sex Sex `json:"sex" jsonschema:"title=Sex" jsonschema_description:"Sex (kön) of the movers, or total (totalt) when the source has no breakdown."`
	// Flow says whether Persons counts movers in, movers out, or the net.
	Flow MigrationFlow `json:"flow" jsonschema:"title=Flow" jsonschema_description:"Which figure persons is: in (inflyttade; immigrants when scope is international), out (utflyttade; emigrants) or net (flyttningsöverskott: in minus out)."`
	// Scope says which moves are counted; absent means total.
	Scope MigrationScope `json:"scope,omitempty" jsonschema:"title=Scope,default=total" jsonschema_description:"Which moves are counted: total (all moves across the area's border), domestic (inrikes flyttningar) or international (invandring and utvandring). Absent means total."`
	// Persons is the number of movers; negative only for a net outflow.
	Persons int `json:"persons" jsonschema:"title=Persons,example=50,example=-12" jsonschema_description:"Number of persons who moved. Never negative for in and out; for net a negative value is a net outflow (flyttningsunderskott)."`
}
