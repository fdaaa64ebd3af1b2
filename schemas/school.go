package schemas

import "time"

// School and preschool: the units, how many children each has, and the
// applications for a preschool place. Units and enrolment are open data;
// applications are personal data.

// UnitType is the school form of a unit (skolform), as the categories of
// Västerås stad's map name them.
type UnitType string

// The unit types.
const (
	UnitPreschool         UnitType = "preschool"
	UnitPedagogicalCare   UnitType = "pedagogical-care"
	UnitPreschoolClass    UnitType = "preschool-class"
	UnitCompulsory        UnitType = "compulsory"
	UnitAdaptedCompulsory UnitType = "adapted-compulsory"
	UnitAfterSchool       UnitType = "after-school"
	UnitUpperSecondary    UnitType = "upper-secondary"
)

// EnumValues lists every UnitType value, in schema order.
func (UnitType) EnumValues() []string {
	return enumValues(UnitPreschool, UnitPedagogicalCare, UnitPreschoolClass,
		UnitCompulsory, UnitAdaptedCompulsory, UnitAfterSchool, UnitUpperSecondary)
}

// Operator says who runs a unit (huvudman).
type Operator string

// The operators: the municipality, or an independent organiser.
const (
	OperatorMunicipal   Operator = "municipal"
	OperatorIndependent Operator = "independent"
)

// EnumValues lists every Operator value, in schema order.
func (Operator) EnumValues() []string { return enumValues(OperatorMunicipal, OperatorIndependent) }

// UnitStatus is where a unit is in its life.
type UnitStatus string

// The unit statuses.
const (
	UnitPlanned UnitStatus = "planned"
	UnitActive  UnitStatus = "active"
	UnitClosed  UnitStatus = "closed"
)

// EnumValues lists every UnitStatus value, in schema order.
func (UnitStatus) EnumValues() []string { return enumValues(UnitPlanned, UnitActive, UnitClosed) }

// Grade is a year group (årskurs), or the preschool as a whole.
type Grade string

// The grades: preschool, preschool class (F), years 1-9 of compulsory school
// and years 1-4 of upper secondary school (gymnasiet).
const (
	GradePreschool Grade = "preschool"
	GradeF         Grade = "f"
	Grade1         Grade = "1"
	Grade2         Grade = "2"
	Grade3         Grade = "3"
	Grade4         Grade = "4"
	Grade5         Grade = "5"
	Grade6         Grade = "6"
	Grade7         Grade = "7"
	Grade8         Grade = "8"
	Grade9         Grade = "9"
	GradeGy1       Grade = "gy1"
	GradeGy2       Grade = "gy2"
	GradeGy3       Grade = "gy3"
	GradeGy4       Grade = "gy4"
)

// EnumValues lists every Grade value, in schema order.
func (Grade) EnumValues() []string {
	return enumValues(GradePreschool, GradeF, Grade1, Grade2, Grade3, Grade4, Grade5,
		Grade6, Grade7, Grade8, Grade9, GradeGy1, GradeGy2, GradeGy3, GradeGy4)
}

// SchoolUnit is the current description of a preschool or school unit
// (förskoleenhet, skolenhet). A new event replaces the previous one with
// the same unit_id.
//
// Subject school.unit; key unit_id.
type SchoolUnit struct {
	// UnitID is the municipality's stable id of the unit.
	UnitID string `json:"unit_id" jsonschema:"title=Unit id,pattern=^[A-Za-z0-9._-]+$,minLength=1,maxLength=64,example=12.5e8d74b614b07e41ca66bb4" jsonschema_description:"The municipality's stable id of the unit; the event's key."`
	// Skolenhetskod is Skolverket's school unit code.
	Skolenhetskod string `json:"skolenhetskod,omitempty" jsonschema:"title=School unit code,pattern=^[0-9]{8}$,example=19803455" jsonschema_description:"Skolverket's eight-digit school unit code (skolenhetskod), when the unit has one; preschools usually do not."`
	// Name is the unit's name.
	Name string `json:"name" jsonschema:"title=Name,minLength=1,maxLength=200,example=Gäddeholms förskola" jsonschema_description:"Name of the unit (enhetens namn)."`
	// UnitType is the unit's school form.
	UnitType UnitType `json:"unit_type" jsonschema:"title=Unit type" jsonschema_description:"School form (skolform) of the unit: preschool (förskola), pedagogical-care (pedagogisk omsorg), preschool-class (förskoleklass), compulsory (grundskola), adapted-compulsory (anpassad grundskola), after-school (fritidshem) or upper-secondary (gymnasieskola)."`
	// Grades lists the grades the unit teaches.
	Grades []Grade `json:"grades,omitempty" jsonschema:"title=Grades,uniqueItems=true" jsonschema_description:"Grades (årskurser) the unit teaches; preschool for a preschool."`
	// Operator says who runs the unit.
	Operator Operator `json:"operator,omitempty" jsonschema:"title=Operator" jsonschema_description:"Who runs the unit (huvudman): municipal (kommunal) or independent (fristående, enskild huvudman)."`
	// OperatorName is the organiser's name.
	OperatorName string `json:"operator_name,omitempty" jsonschema:"title=Operator name,maxLength=200,example=Västerås stad" jsonschema_description:"Name of the organiser (huvudmannens namn)."`
	// Capacity is the number of places.
	Capacity int `json:"capacity,omitempty" jsonschema:"title=Capacity,minimum=0,maximum=3000,example=120" jsonschema_description:"Number of places (platser) the premises are planned for; absent when unknown."`
	// Position is where the unit is.
	Position *Position `json:"position,omitempty" jsonschema:"title=Position" jsonschema_description:"Location of the unit's main entrance in WGS 84."`
	// Address is the street address.
	Address string `json:"address,omitempty" jsonschema:"title=Address,maxLength=200,example=Kvistbergavägen 10" jsonschema_description:"Street address (besöksadress) of the unit."`
	// AreaCode is the district the unit is in.
	AreaCode string `json:"area_code,omitempty" jsonschema:"title=Area code,pattern=^([0-9]{4}|[0-9]{4}[A-C][0-9]{4}|[0-9]{4}R[0-9]{3}|[0-9]{4}-[0-9A-Za-z]+)$,maxLength=24,example=1980-422" jsonschema_description:"District the unit is in, as a DeSO, RegSO or municipal district code (see population events), used to compare places with children per district."`
	// Status is where the unit is in its life.
	Status UnitStatus `json:"status,omitempty" jsonschema:"title=Status,default=active" jsonschema_description:"planned, active or closed; absent means active."`
	// ValidFrom is the date from which this description holds.
	ValidFrom Date `json:"valid_from,omitempty" jsonschema:"title=Valid from,format=date,example=2020-08-15" jsonschema_description:"Date from which this description of the unit holds."`
}

// Enrolment is the number of children or pupils enrolled at a unit in one
// grade on a count date (inskrivna barn, elever per årskurs).
//
// Subject school.enrolment; key unit_id, reference_date, grade, age.
type Enrolment struct {
	// UnitID is the unit's id, as in school.unit.
	UnitID string `json:"unit_id" jsonschema:"title=Unit id,pattern=^[A-Za-z0-9._-]+$,minLength=1,maxLength=64,example=12.5e8d74b614b07e41ca66bb4" jsonschema_description:"The unit's id, as in the school.unit event."`
	// ReferenceDate is the count date.
	ReferenceDate Date `json:"reference_date" jsonschema:"title=Reference date,format=date,example=2022-10-15" jsonschema_description:"Date the children were counted; Skolverket's official count is on 15 October (mätdatum)."`
	// Grade is the grade counted.
	Grade Grade `json:"grade" jsonschema:"title=Grade" jsonschema_description:"Grade counted: preschool (förskola), f (förskoleklass), 1-9 (årskurs 1-9) or gy1-gy4 (gymnasiet år 1-4)."`
	// Age is the children's age, for preschool counts by age.
	Age *int `json:"age,omitempty" jsonschema:"title=Age,minimum=0,maximum=7,example=3" jsonschema_description:"Age in completed years, for preschool counts broken down by age; absent otherwise."`
	// Enrolled is the number of children or pupils.
	Enrolled int `json:"enrolled" jsonschema:"title=Enrolled,minimum=0,maximum=3000,example=32" jsonschema_description:"Number of children or pupils enrolled (inskrivna)."`
}

// ApplicationKind says whether an application is for a first place or a
// change of place.
type ApplicationKind string

// The application kinds.
const (
	ApplicationNew      ApplicationKind = "new"
	ApplicationTransfer ApplicationKind = "transfer"
)

// EnumValues lists every ApplicationKind value, in schema order.
func (ApplicationKind) EnumValues() []string {
	return enumValues(ApplicationNew, ApplicationTransfer)
}

// PreschoolApplication is a guardian's application for a preschool place
// for a child (ansökan om förskoleplats). It opens a case of type
// preschool-placement.
//
// Subject school.preschool-application; key application_id. Personal data.
type PreschoolApplication struct {
	// ApplicationID is the application's id.
	ApplicationID string `json:"application_id" jsonschema:"title=Application id,format=uuid,example=0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a13" jsonschema_description:"UUID of the application, given by the e-service; the event's key."`
	// SubmittedAt is when the application was submitted.
	SubmittedAt time.Time `json:"submitted_at" jsonschema:"title=Submitted at,example=2024-03-04T19:42:10+01:00" jsonschema_description:"When the guardian submitted the application (RFC 3339)."`
	// Kind says whether this is a first place or a transfer.
	Kind ApplicationKind `json:"kind,omitempty" jsonschema:"title=Kind,default=new" jsonschema_description:"new (nyplacering) or transfer (omplacering, byte av förskola); absent means new."`
	// ChildPersonnummer is the child's personal identity number.
	ChildPersonnummer string `json:"child_personnummer" jsonschema:"title=Child's personal identity number,pattern=^(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])-[0-9]{4}$,example=20230314-4568" jsonschema_description:"The child's personal identity number (personnummer) or coordination number (samordningsnummer) in the form YYYYMMDD-NNNN. Direct identifier: never published." jsonschema_extras:"x-personal-data=direct"`
	// GuardianPersonnummer is the applying guardian's personnummer.
	GuardianPersonnummer string `json:"guardian_personnummer,omitempty" jsonschema:"title=Guardian's personal identity number,pattern=^(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])-[0-9]{4}$,example=19121212-1212" jsonschema_description:"Personal identity number (personnummer) of the guardian (vårdnadshavare) who applied, as signed with e-legitimation. Direct identifier: never published." jsonschema_extras:"x-personal-data=direct"`
	// GuardianEmail is where the decision is sent.
	GuardianEmail string `json:"guardian_email,omitempty" jsonschema:"title=Guardian's e-mail,format=email,maxLength=254,example=vardnadshavare@example.se" jsonschema_description:"E-mail address of the guardian, for the placement offer. Direct identifier: never published." jsonschema_extras:"x-personal-data=direct"`
	// DesiredStartDate is when the place is wanted from.
	DesiredStartDate Date `json:"desired_start_date" jsonschema:"title=Desired start date,format=date,example=2024-08-12" jsonschema_description:"Date from which the place is wanted; the municipality must offer one within four months (skollagen 8 kap. 14 §)."`
	// PreferredUnitIDs lists the wanted units, most wanted first.
	PreferredUnitIDs []string `json:"preferred_unit_ids" jsonschema:"title=Preferred units,minItems=1,maxItems=5,uniqueItems=true,pattern=^[A-Za-z0-9._-]+$" jsonschema_description:"Ids of the wanted units (önskade förskolor, as in school.unit), most wanted first."`
	// HoursPerWeek is the expected time in preschool per week.
	HoursPerWeek float64 `json:"hours_per_week,omitempty" jsonschema:"title=Hours per week,minimum=0,maximum=60,example=40" jsonschema_description:"Expected time in preschool per week (vistelsetid), in hours."`
	// AreaCode is the district of the child's home.
	AreaCode string `json:"area_code,omitempty" jsonschema:"title=Area code,pattern=^([0-9]{4}[A-C][0-9]{4}|[0-9]{4}R[0-9]{3}|[0-9]{4}-[0-9A-Za-z]+)$,maxLength=24,example=1980-415" jsonschema_description:"District of the child's registered home (DeSO, RegSO or municipal district code), for distance and forecasting. Never the address itself." jsonschema_extras:"x-personal-data=quasi-identifier"`
}

// PlaceForecast is one row of a school-place forecast: the projected
// number of children of an age group in an area and year, with its
// uncertainty band, as a forecast model made it (prognos över förskole-
// och skolplatser).
//
// Subject school.place-forecast; key area_code, base_year, year, age_group, model_version.
type PlaceForecast struct {
	// AreaCode is the area forecast, as in population events.
	AreaCode string `json:"area_code" jsonschema:"title=Area code,pattern=^([0-9]{2}|[0-9]{4}|[0-9]{4}[A-C][0-9]{4}|[0-9]{4}R[0-9]{3}|[0-9]{4}-[0-9A-Za-z]+)$,maxLength=24,example=1980" jsonschema_description:"SCB region code of the area forecast (1980 is Västerås), as in the population events."`
	// BaseYear is the year of the population the forecast starts from.
	BaseYear int `json:"base_year" jsonschema:"title=Base year,minimum=1900,maximum=2100,example=2019" jsonschema_description:"Year of the population count (31 December) the forecast starts from."`
	// Year is the year forecast.
	Year int `json:"year" jsonschema:"title=Year,minimum=1900,maximum=2200,example=2029" jsonschema_description:"Year forecast: the population on 31 December of that year."`
	// AgeGroup names the ages counted.
	AgeGroup string `json:"age_group" jsonschema:"title=Age group,pattern=^[a-z0-9][a-z0-9-]*$,maxLength=64,example=forskola-1-5,example=grundskola-6-15" jsonschema_description:"The ages counted: forskola-1-5 (preschool), grundskola-6-15 (compulsory school) or a grade (grade-F … grade-9)."`
	// P10, P50 and P90 are the forecast's percentiles.
	P10 float64 `json:"p10" jsonschema:"title=P10,minimum=0,example=8707" jsonschema_description:"10th percentile of the forecast number of children: nine in ten simulated futures are above it."`
	P50 float64 `json:"p50" jsonschema:"title=P50,minimum=0,example=9528" jsonschema_description:"Median of the forecast number of children."`
	P90 float64 `json:"p90" jsonschema:"title=P90,minimum=0,example=10481" jsonschema_description:"90th percentile of the forecast number of children."`
	// Capacity is the places the area has for the age group, when known.
	Capacity *float64 `json:"capacity,omitempty" jsonschema:"title=Capacity,minimum=0,example=9000" jsonschema_description:"Places the area has for the age group, when known."`
	// Confidence is the model's confidence in the row.
	Confidence float64 `json:"confidence" jsonschema:"title=Confidence,minimum=0,maximum=1,example=0.82" jsonschema_description:"The model's confidence, 0-1: one minus the band's width relative to the median."`
	// ModelID and ModelVersion name the model that made the row.
	ModelID      string `json:"model_id" jsonschema:"title=Model id,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=school-place-forecast" jsonschema_description:"Id of the forecast model."`
	ModelVersion string `json:"model_version" jsonschema:"title=Model version,minLength=1,maxLength=64,example=1.0.0" jsonschema_description:"Version of the forecast model."`
}
