package schemas

import "time"

// Elderly care: activations of the binary sensors in a resident's home
// (trygghetsteknik, sensorer i hemmet) and the alarms raised from them. A
// resident appears only by a pseudonym, which is still personal data under
// GDPR, and sensor data reveals health: these events are never published
// raw, only as counts per month and district with small cells suppressed.

// SensorKind is the technology of a binary sensor.
type SensorKind string

// The sensor kinds of the real home in fall_adl/: passive infrared, magnetic
// contacts on doors and cupboards, pressure mats under beds and seats, a
// toilet-flush sensor, and power sensors on appliances.
const (
	SensorMotion   SensorKind = "motion"
	SensorContact  SensorKind = "contact"
	SensorPressure SensorKind = "pressure"
	SensorFlush    SensorKind = "flush"
	SensorPower    SensorKind = "power"
)

// EnumValues lists every SensorKind value, in schema order.
func (SensorKind) EnumValues() []string {
	return enumValues(SensorMotion, SensorContact, SensorPressure, SensorFlush, SensorPower)
}

// Room is the room a sensor is in.
type Room string

// The rooms of a home.
const (
	RoomBedroom    Room = "bedroom"
	RoomBathroom   Room = "bathroom"
	RoomKitchen    Room = "kitchen"
	RoomLivingRoom Room = "living-room"
	RoomEntrance   Room = "entrance"
	RoomHallway    Room = "hallway"
	RoomOther      Room = "other"
)

// EnumValues lists every Room value, in schema order.
func (Room) EnumValues() []string {
	return enumValues(RoomBedroom, RoomBathroom, RoomKitchen, RoomLivingRoom, RoomEntrance,
		RoomHallway, RoomOther)
}

// SensorActivation is one period during which a binary sensor in a
// resident's home was active: a door open, a bed occupied, motion seen
// (sensoraktivering).
//
// Subject care.sensor-activation; key resident_id, sensor_id, started_at.
// Personal data (pseudonymous).
type SensorActivation struct {
	// ResidentID is the resident's pseudonym.
	ResidentID string `json:"resident_id" jsonschema:"title=Resident id,pattern=^[A-Za-z0-9_-]+$,minLength=4,maxLength=64,example=res-7f3a9c" jsonschema_description:"Pseudonymous id of the resident (brukare), assigned by the care system; never a personnummer or a name. Still personal data: never published." jsonschema_extras:"x-personal-data=pseudonymous"`
	// SensorID is the sensor's id within the home.
	SensorID string `json:"sensor_id" jsonschema:"title=Sensor id,pattern=^[A-Za-z0-9._:-]+$,minLength=1,maxLength=64,example=bed-1" jsonschema_description:"Id of the sensor (device id or a name unique within the home)."`
	// SensorKind is the sensor's technology.
	SensorKind SensorKind `json:"sensor_kind" jsonschema:"title=Sensor kind" jsonschema_description:"Technology of the sensor: motion (PIR), contact (magnetic, on a door or cupboard), pressure (mat under a bed or seat), flush (toilet) or power (an appliance switched on)."`
	// Object is what the sensor watches.
	Object string `json:"object" jsonschema:"title=Object,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=bed,example=seat,example=main-door,example=fridge,example=toilet" jsonschema_description:"What the sensor watches, in lower-case kebab case: bed, seat, main-door, fridge, cupboard, cabinet, toilet, basin, shower, cooktop, microwave, toaster, or another object."`
	// Room is the room the sensor is in.
	Room Room `json:"room,omitempty" jsonschema:"title=Room" jsonschema_description:"Room the sensor is in: bedroom (sovrum), bathroom (badrum), kitchen (kök), living-room (vardagsrum), entrance (entré), hallway (hall) or other."`
	// StartedAt is when the sensor became active.
	StartedAt time.Time `json:"started_at" jsonschema:"title=Started at,example=2011-11-28T02:27:59+01:00" jsonschema_description:"When the sensor became active (RFC 3339)."`
	// EndedAt is when it became inactive again.
	EndedAt time.Time `json:"ended_at,omitzero" jsonschema:"title=Ended at,example=2011-11-28T10:18:11+01:00" jsonschema_description:"When the sensor became inactive again (RFC 3339); absent when the sensor reports only onsets, or while it is still active."`
	// CareUnitID is the care unit responsible for the resident.
	CareUnitID string `json:"care_unit_id,omitempty" jsonschema:"title=Care unit id,pattern=^[A-Za-z0-9._-]+$,maxLength=64,example=hemtjanst-norr" jsonschema_description:"Id of the care unit responsible for the resident (hemtjänstområde or särskilt boende)."`
}

// AlarmKind is what an alarm is about.
type AlarmKind string

// The alarm kinds: breaks in a resident's routine found by the routine model,
// a fall from a fall detector, and a sensor that has gone silent.
const (
	AlarmLongInactivity    AlarmKind = "long-inactivity"
	AlarmNoMorningActivity AlarmKind = "no-morning-activity"
	AlarmNightWandering    AlarmKind = "night-wandering"
	AlarmDoorOpenAtNight   AlarmKind = "door-open-at-night"
	AlarmFall              AlarmKind = "fall"
	AlarmSensorSilent      AlarmKind = "sensor-silent"
)

// EnumValues lists every AlarmKind value, in schema order.
func (AlarmKind) EnumValues() []string {
	return enumValues(AlarmLongInactivity, AlarmNoMorningActivity, AlarmNightWandering,
		AlarmDoorOpenAtNight, AlarmFall, AlarmSensorSilent)
}

// AlarmStatus is where an alarm is in its handling.
type AlarmStatus string

// The alarm statuses. Each change of status is a new event.
const (
	AlarmRaised       AlarmStatus = "raised"
	AlarmAcknowledged AlarmStatus = "acknowledged"
	AlarmResolved     AlarmStatus = "resolved"
	AlarmFalse        AlarmStatus = "false-alarm"
)

// EnumValues lists every AlarmStatus value, in schema order.
func (AlarmStatus) EnumValues() []string {
	return enumValues(AlarmRaised, AlarmAcknowledged, AlarmResolved, AlarmFalse)
}

// AlarmSource says what raised an alarm.
type AlarmSource string

// The alarm sources: a model over sensor data, a device such as a fall
// detector or safety alarm, or a member of staff.
const (
	AlarmFromModel  AlarmSource = "model"
	AlarmFromDevice AlarmSource = "device"
	AlarmFromStaff  AlarmSource = "staff"
)

// EnumValues lists every AlarmSource value, in schema order.
func (AlarmSource) EnumValues() []string {
	return enumValues(AlarmFromModel, AlarmFromDevice, AlarmFromStaff)
}

// Alarm is an alarm about a resident for the care team (larm), raised by the
// routine model, a device or staff. Each change of status is a new event
// with the same alarm_id.
//
// Subject care.alarm; key alarm_id, status. Personal data (pseudonymous).
type Alarm struct {
	// AlarmID is the alarm's id.
	AlarmID string `json:"alarm_id" jsonschema:"title=Alarm id,format=uuid,example=5b2e8f1a-0c4d-4e7b-9f36-a1d2c3b4e5f6" jsonschema_description:"UUID of the alarm, the same in every status event; with status the event's key."`
	// ResidentID is the resident's pseudonym.
	ResidentID string `json:"resident_id" jsonschema:"title=Resident id,pattern=^[A-Za-z0-9_-]+$,minLength=4,maxLength=64,example=res-7f3a9c" jsonschema_description:"Pseudonymous id of the resident, as in care.sensor-activation. Still personal data: never published." jsonschema_extras:"x-personal-data=pseudonymous"`
	// Kind is what the alarm is about.
	Kind AlarmKind `json:"kind" jsonschema:"title=Kind" jsonschema_description:"What the alarm is about: long-inactivity (lång inaktivitet dagtid), no-morning-activity (ingen morgonaktivitet), night-wandering (nattvandring), door-open-at-night (ytterdörr öppnad nattetid), fall or sensor-silent (sensor tyst)."`
	// Status is where the alarm is in its handling.
	Status AlarmStatus `json:"status" jsonschema:"title=Status" jsonschema_description:"raised (larmat), acknowledged (kvitterat), resolved (åtgärdat) or false-alarm (falsklarm)."`
	// RaisedAt is when the alarm was raised.
	RaisedAt time.Time `json:"raised_at" jsonschema:"title=Raised at,example=2011-11-28T15:30:00+01:00" jsonschema_description:"When the alarm was raised (RFC 3339); the same in every status event."`
	// StatusAt is when the alarm reached Status.
	StatusAt time.Time `json:"status_at,omitzero" jsonschema:"title=Status at,example=2011-11-28T15:34:12+01:00" jsonschema_description:"When the alarm reached this status (RFC 3339); absent for raised, where it is raised_at."`
	// Source is what raised the alarm.
	Source AlarmSource `json:"source,omitempty" jsonschema:"title=Source" jsonschema_description:"What raised the alarm: model, device (fall detector, trygghetslarm) or staff."`
	// Score is the model's anomaly score.
	Score *float64 `json:"score,omitempty" jsonschema:"title=Score,minimum=0,maximum=1,example=0.87" jsonschema_description:"How unusual the model found the pattern, 0 (normal) to 1 (certainly unusual); sent when source is model."`
	// ModelID is the model that raised the alarm.
	ModelID string `json:"model_id,omitempty" jsonschema:"title=Model id,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=resident-routine" jsonschema_description:"Id of the model that raised the alarm, when source is model."`
	// ModelVersion is the version of the model.
	ModelVersion string `json:"model_version,omitempty" jsonschema:"title=Model version,maxLength=64,example=1.3.0" jsonschema_description:"Version of the model that raised the alarm."`
	// Explanation says in Swedish why the alarm was raised.
	Explanation string `json:"explanation,omitempty" jsonschema:"title=Explanation,maxLength=2000,example=Ingen aktivitet sedan 10:51. Normalt rör sig personen minst en gång i timmen dagtid." jsonschema_description:"Why the alarm was raised, in plain Swedish for the care team (förklaring)."`
	// CareUnitID is the care unit that handles the alarm.
	CareUnitID string `json:"care_unit_id,omitempty" jsonschema:"title=Care unit id,pattern=^[A-Za-z0-9._-]+$,maxLength=64,example=hemtjanst-norr" jsonschema_description:"Id of the care unit that handles the alarm."`
	// AreaCode is the district, for monthly counts per district.
	AreaCode string `json:"area_code,omitempty" jsonschema:"title=Area code,pattern=^([0-9]{4}[A-C][0-9]{4}|[0-9]{4}R[0-9]{3}|[0-9]{4}-[0-9A-Za-z]+)$,maxLength=24,example=1980-415" jsonschema_description:"District of the resident's home (DeSO, RegSO or municipal district code), for the monthly alarm counts per district." jsonschema_extras:"x-personal-data=quasi-identifier"`
	// HandledBy is the member of staff who changed the status.
	HandledBy string `json:"handled_by,omitempty" jsonschema:"title=Handled by,maxLength=64,example=staff-4821" jsonschema_description:"Pseudonymous id of the member of staff who acknowledged or resolved the alarm." jsonschema_extras:"x-personal-data=pseudonymous"`
}
