package schemas

import "time"

// Roads and winter maintenance, part two: snow-clearing and ground-heating
// operations, and citizens' fault reports (felanmälan).

// OperationStatus is where a maintenance operation is.
type OperationStatus string

// The operation statuses. Each change of status is a new event.
const (
	OperationPlanned   OperationStatus = "planned"
	OperationStarted   OperationStatus = "started"
	OperationCompleted OperationStatus = "completed"
	OperationCancelled OperationStatus = "cancelled"
)

// EnumValues lists every OperationStatus value, in schema order.
func (OperationStatus) EnumValues() []string {
	return enumValues(OperationPlanned, OperationStarted, OperationCompleted, OperationCancelled)
}

// OperationTrigger says why an operation was ordered.
type OperationTrigger string

// The triggers: a forecast, an observation, a citizen report, a fixed
// schedule, or a person's judgement.
const (
	TriggerForecast    OperationTrigger = "forecast"
	TriggerObservation OperationTrigger = "observation"
	TriggerFaultReport OperationTrigger = "fault-report"
	TriggerSchedule    OperationTrigger = "schedule"
	TriggerManual      OperationTrigger = "manual"
)

// EnumValues lists every OperationTrigger value, in schema order.
func (OperationTrigger) EnumValues() []string {
	return enumValues(TriggerForecast, TriggerObservation, TriggerFaultReport, TriggerSchedule, TriggerManual)
}

// SnowClearingKind is the kind of winter-maintenance work.
type SnowClearingKind string

// The kinds of winter maintenance (vinterväghållning).
const (
	SnowPloughing SnowClearingKind = "ploughing"
	SnowSanding   SnowClearingKind = "sanding"
	SnowSalting   SnowClearingKind = "salting"
	SnowRemoval   SnowClearingKind = "snow-removal"
	SnowIceBreak  SnowClearingKind = "ice-breaking"
)

// EnumValues lists every SnowClearingKind value, in schema order.
func (SnowClearingKind) EnumValues() []string {
	return enumValues(SnowPloughing, SnowSanding, SnowSalting, SnowRemoval, SnowIceBreak)
}

// SnowClearing is a snow-clearing or anti-slip operation in an area
// (snöröjning, halkbekämpning). Each change of status is a new event.
//
// Subject roads.snow-clearing; key operation_id, status.
type SnowClearing struct {
	// OperationID is the work order's id.
	OperationID string `json:"operation_id" jsonschema:"title=Operation id,pattern=^[A-Za-z0-9._-]+$,minLength=1,maxLength=64,example=WO-2024-0117-12" jsonschema_description:"Id of the work order (arbetsorder); with status the event's key."`
	// AreaID is the clearing area.
	AreaID string `json:"area_id" jsonschema:"title=Area id,pattern=^[A-Za-z0-9._-]+$,minLength=1,maxLength=64,example=plogomrade-12" jsonschema_description:"Id of the snow-clearing area (plogområde) in the road-maintenance system."`
	// AreaName is the area's name.
	AreaName string `json:"area_name,omitempty" jsonschema:"title=Area name,maxLength=200,example=Bäckby" jsonschema_description:"Name of the area, for people to read."`
	// Kind is the work done.
	Kind SnowClearingKind `json:"kind" jsonschema:"title=Kind" jsonschema_description:"Work done: ploughing (plogning), sanding (sandning), salting (saltning), snow-removal (snöbortforsling) or ice-breaking (isrivning)."`
	// Status is where the operation is.
	Status OperationStatus `json:"status" jsonschema:"title=Status" jsonschema_description:"planned, started, completed or cancelled."`
	// StartTime is the planned or actual start.
	StartTime time.Time `json:"start_time" jsonschema:"title=Start time,example=2024-01-17T03:30:00+01:00" jsonschema_description:"Planned start while planned; actual start once started (RFC 3339)."`
	// EndTime is the actual end.
	EndTime time.Time `json:"end_time,omitzero" jsonschema:"title=End time,example=2024-01-17T07:10:00+01:00" jsonschema_description:"Actual end, for completed or cancelled operations (RFC 3339)."`
	// TriggeredBy says why the operation was ordered.
	TriggeredBy OperationTrigger `json:"triggered_by,omitempty" jsonschema:"title=Triggered by" jsonschema_description:"Why the operation was ordered: forecast, observation (e.g. snow depth over the contract's threshold), fault-report, schedule or manual."`
	// DecisionID is the decision record that ordered the operation.
	DecisionID string `json:"decision_id,omitempty" jsonschema:"title=Decision id,format=uuid" jsonschema_description:"The cases.decision-recorded event whose rule or model ordered the operation, when it was automated."`
	// RoadLengthKm is the length of road covered.
	RoadLengthKm *float64 `json:"road_length_km,omitempty" jsonschema:"title=Road length,minimum=0,maximum=2000,example=38.5" jsonschema_description:"Length of road and cycle path covered, in km."`
	// Vehicles is the number of vehicles used.
	Vehicles *int `json:"vehicles,omitempty" jsonschema:"title=Vehicles,minimum=0,maximum=500,example=4" jsonschema_description:"Number of vehicles (fordon) used."`
	// Contractor is the contractor doing the work.
	Contractor string `json:"contractor,omitempty" jsonschema:"title=Contractor,maxLength=200,example=Västerås stad Driftavdelningen" jsonschema_description:"Who does the work: the municipality's own operations or a contracted company (entreprenör)."`
}

// GroundHeatingKind is the purpose of a ground-heating operation.
type GroundHeatingKind string

// The purposes: melting snow, or keeping the surface above freezing.
const (
	HeatingSnowMelting GroundHeatingKind = "snow-melting"
	HeatingAntiIcing   GroundHeatingKind = "anti-icing"
)

// EnumValues lists every GroundHeatingKind value, in schema order.
func (GroundHeatingKind) EnumValues() []string {
	return enumValues(HeatingSnowMelting, HeatingAntiIcing)
}

// HeatSource is where the heat in ground heating comes from.
type HeatSource string

// The heat sources: district heating (often its return water) or electricity.
const (
	HeatDistrictHeating HeatSource = "district-heating"
	HeatElectric        HeatSource = "electric"
)

// EnumValues lists every HeatSource value, in schema order.
func (HeatSource) EnumValues() []string { return enumValues(HeatDistrictHeating, HeatElectric) }

// GroundHeating is a period of ground heating on a heated surface
// (markvärme), such as a square or a bus stop. Each change of status is a
// new event.
//
// Subject roads.ground-heating; key operation_id, status.
type GroundHeating struct {
	// OperationID is the heating period's id.
	OperationID string `json:"operation_id" jsonschema:"title=Operation id,pattern=^[A-Za-z0-9._-]+$,minLength=1,maxLength=64,example=mv-stora-torget-2024-0117" jsonschema_description:"Id of the heating period; with status the event's key."`
	// SiteID is the heated surface.
	SiteID string `json:"site_id" jsonschema:"title=Site id,pattern=^[A-Za-z0-9._-]+$,minLength=1,maxLength=64,example=stora-torget" jsonschema_description:"Id of the heated surface (markvärmeyta)."`
	// SiteName is the surface's name.
	SiteName string `json:"site_name,omitempty" jsonschema:"title=Site name,maxLength=200,example=Stora torget" jsonschema_description:"Name of the heated surface, for people to read."`
	// Kind is the purpose of the heating.
	Kind GroundHeatingKind `json:"kind" jsonschema:"title=Kind" jsonschema_description:"Purpose: snow-melting (snösmältning) or anti-icing (keeping the surface above 0 °C, halkbekämpning)."`
	// Status is where the operation is.
	Status OperationStatus `json:"status" jsonschema:"title=Status" jsonschema_description:"planned, started, completed or cancelled."`
	// StartTime is the planned or actual start.
	StartTime time.Time `json:"start_time" jsonschema:"title=Start time,example=2024-01-16T22:00:00+01:00" jsonschema_description:"Planned start while planned; actual start once started (RFC 3339)."`
	// EndTime is the actual end.
	EndTime time.Time `json:"end_time,omitzero" jsonschema:"title=End time,example=2024-01-17T09:00:00+01:00" jsonschema_description:"Actual end, for completed or cancelled operations (RFC 3339)."`
	// HeatSource is where the heat comes from.
	HeatSource HeatSource `json:"heat_source,omitempty" jsonschema:"title=Heat source" jsonschema_description:"Where the heat comes from: district-heating (fjärrvärme) or electric."`
	// AreaM2 is the heated area.
	AreaM2 *float64 `json:"area_m2,omitempty" jsonschema:"title=Heated area,minimum=0,maximum=100000,example=5200" jsonschema_description:"Heated area in square metres."`
	// SetpointC is the target surface temperature.
	SetpointC *float64 `json:"setpoint_c,omitempty" jsonschema:"title=Setpoint,minimum=-10,maximum=20,example=2" jsonschema_description:"Target surface temperature in °C."`
	// EnergyKWh is the energy used.
	EnergyKWh *float64 `json:"energy_kwh,omitempty" jsonschema:"title=Energy,minimum=0,example=1840" jsonschema_description:"Energy used so far, in kWh; final when completed."`
	// TriggeredBy says why the heating was turned on.
	TriggeredBy OperationTrigger `json:"triggered_by,omitempty" jsonschema:"title=Triggered by" jsonschema_description:"Why the heating was turned on: forecast, observation, fault-report, schedule or manual."`
	// DecisionID is the decision record that ordered the heating.
	DecisionID string `json:"decision_id,omitempty" jsonschema:"title=Decision id,format=uuid" jsonschema_description:"The cases.decision-recorded event whose rule or model recommended the heating, when it was automated."`
}

// FaultCategory is what a citizen reports as wrong.
type FaultCategory string

// The fault categories of the municipality's felanmälan e-service.
const (
	FaultPothole        FaultCategory = "pothole"
	FaultSnow           FaultCategory = "snow"
	FaultIce            FaultCategory = "ice"
	FaultStreetLighting FaultCategory = "street-lighting"
	FaultTrafficSign    FaultCategory = "traffic-sign"
	FaultTrafficSignal  FaultCategory = "traffic-signal"
	FaultLitter         FaultCategory = "litter"
	FaultGraffiti       FaultCategory = "graffiti"
	FaultVegetation     FaultCategory = "vegetation"
	FaultDrainage       FaultCategory = "drainage"
	FaultOther          FaultCategory = "other"
)

// EnumValues lists every FaultCategory value, in schema order.
func (FaultCategory) EnumValues() []string {
	return enumValues(FaultPothole, FaultSnow, FaultIce, FaultStreetLighting, FaultTrafficSign,
		FaultTrafficSignal, FaultLitter, FaultGraffiti, FaultVegetation, FaultDrainage, FaultOther)
}

// ReportChannel is how a report reached the municipality.
type ReportChannel string

// The report channels.
const (
	ChannelWeb   ReportChannel = "web"
	ChannelApp   ReportChannel = "app"
	ChannelPhone ReportChannel = "phone"
	ChannelEmail ReportChannel = "email"
)

// EnumValues lists every ReportChannel value, in schema order.
func (ReportChannel) EnumValues() []string {
	return enumValues(ChannelWeb, ChannelApp, ChannelPhone, ChannelEmail)
}

// Contact is how a reporter who asked for an answer can be reached. Every
// property is personal data.
type Contact struct {
	// Name is the reporter's name.
	Name string `json:"name,omitempty" jsonschema:"title=Name,maxLength=200" jsonschema_description:"The reporter's name. Direct identifier: never published." jsonschema_extras:"x-personal-data=direct"`
	// Email is the reporter's e-mail address.
	Email string `json:"email,omitempty" jsonschema:"title=E-mail,format=email,maxLength=254" jsonschema_description:"The reporter's e-mail address, for the answer. Direct identifier: never published." jsonschema_extras:"x-personal-data=direct"`
	// Phone is the reporter's phone number.
	Phone string `json:"phone,omitempty" jsonschema:"title=Phone,pattern=^\\+?[0-9 -]+$,maxLength=20" jsonschema_description:"The reporter's phone number. Direct identifier: never published." jsonschema_extras:"x-personal-data=direct"`
}

// FaultReport is a citizen's report of a fault in a street, park or other
// public place (felanmälan). Reports are anonymous unless the reporter asks
// for an answer and gives a contact.
//
// Subject roads.fault-report; key report_id. Personal data (the optional
// contact and the free text).
type FaultReport struct {
	// ReportID is the report's id.
	ReportID string `json:"report_id" jsonschema:"title=Report id,format=uuid,example=7d1f0b52-9a3e-4c8b-b1e6-5f2a9c0d4e81" jsonschema_description:"UUID of the report, given by the e-service; the event's key."`
	// ReportedAt is when the report was made.
	ReportedAt time.Time `json:"reported_at" jsonschema:"title=Reported at,example=2024-01-17T07:48:00+01:00" jsonschema_description:"When the citizen made the report (RFC 3339)."`
	// Category is what is wrong.
	Category FaultCategory `json:"category" jsonschema:"title=Category" jsonschema_description:"What is wrong: pothole (potthål), snow (ej plogat), ice (halka), street-lighting (gatubelysning), traffic-sign (trafikskylt), traffic-signal (trafiksignal), litter (nedskräpning), graffiti (klotter), vegetation (växtlighet, skymd sikt), drainage (dagvattenbrunn, översvämning) or other."`
	// Description is the reporter's own words.
	Description string `json:"description,omitempty" jsonschema:"title=Description,maxLength=4000,example=Gång- och cykelvägen längs Bäckbyleden är inte plogad." jsonschema_description:"The reporter's own words. Free text may contain names or other personal data: never published raw." jsonschema_extras:"x-personal-data=free-text"`
	// Position is where the fault is.
	Position *Position `json:"position,omitempty" jsonschema:"title=Position" jsonschema_description:"Where the fault is, in WGS 84, as pinned on the map."`
	// Address is the nearest address or place name.
	Address string `json:"address,omitempty" jsonschema:"title=Address,maxLength=200,example=Bäckbyleden" jsonschema_description:"Street, address or place name of the fault, when given instead of or besides a position."`
	// AreaCode is the district the fault is in.
	AreaCode string `json:"area_code,omitempty" jsonschema:"title=Area code,pattern=^([0-9]{4}[A-C][0-9]{4}|[0-9]{4}R[0-9]{3}|[0-9]{4}-[0-9A-Za-z]+)$,maxLength=24,example=1980-422" jsonschema_description:"District of the fault (DeSO, RegSO or municipal district code), for statistics per district."`
	// Channel is how the report arrived.
	Channel ReportChannel `json:"channel,omitempty" jsonschema:"title=Channel" jsonschema_description:"How the report arrived: web, app, phone or email."`
	// Contact is the reporter's contact, when an answer is wanted.
	Contact *Contact `json:"contact,omitempty" jsonschema:"title=Contact" jsonschema_description:"How to reach the reporter, only when they asked for an answer. Personal data: never published." jsonschema_extras:"x-personal-data=direct"`
}
