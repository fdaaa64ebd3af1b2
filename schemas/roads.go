package schemas

import "time"

// Roads and winter maintenance, part one: weather observed and forecast.
// Operations and citizen reports are in roads_ops.go. Units are SI-based and
// fixed by the property name: °C, mm, cm. SMHI's snow depth comes in metres
// and is converted by the connector.

// WeatherPeriod says what an observed or forecast value summarises.
type WeatherPeriod string

// The periods: an instantaneous reading, or the mean/sum over the hour or
// the day that ends at the event's time.
const (
	PeriodInstant WeatherPeriod = "instant"
	PeriodHour    WeatherPeriod = "hour"
	PeriodDay     WeatherPeriod = "day"
)

// EnumValues lists every WeatherPeriod value, in schema order.
func (WeatherPeriod) EnumValues() []string {
	return enumValues(PeriodInstant, PeriodHour, PeriodDay)
}

// StationNetwork is the network a weather station belongs to.
type StationNetwork string

// The station networks: SMHI's, Trafikverket's road-weather stations (VViS),
// and the municipality's own sensors.
const (
	NetworkSMHI      StationNetwork = "smhi"
	NetworkVViS      StationNetwork = "trafikverket-vvis"
	NetworkMunicipal StationNetwork = "municipal"
)

// EnumValues lists every StationNetwork value, in schema order.
func (StationNetwork) EnumValues() []string {
	return enumValues(NetworkSMHI, NetworkVViS, NetworkMunicipal)
}

// QualityCode is the checking state of an observation, as SMHI marks it.
type QualityCode string

// SMHI's quality codes: G (green: checked and approved) and Y (yellow:
// suspect, aggregated or not yet checked).
const (
	QualityChecked QualityCode = "checked"
	QualitySuspect QualityCode = "suspect"
)

// EnumValues lists every QualityCode value, in schema order.
func (QualityCode) EnumValues() []string { return enumValues(QualityChecked, QualitySuspect) }

// WeatherObservation is what a weather station measured (väderobservation).
// A station sends the values it has; every measurement is optional.
//
// Subject roads.weather-observation; key station_id, observed_at, period.
type WeatherObservation struct {
	// StationID is the station's id within its network.
	StationID string `json:"station_id" jsonschema:"title=Station id,pattern=^[A-Za-z0-9._-]+$,minLength=1,maxLength=64,example=124290" jsonschema_description:"Id of the station within its network; for SMHI the climate number (klimatnummer), e.g. 124290 for Handsjön D."`
	// StationName is the station's name.
	StationName string `json:"station_name,omitempty" jsonschema:"title=Station name,maxLength=200,example=Handsjön D" jsonschema_description:"Name of the station (stationsnamn)."`
	// Network is the network the station belongs to.
	Network StationNetwork `json:"network,omitempty" jsonschema:"title=Network" jsonschema_description:"Station network: smhi, trafikverket-vvis (vägväderstation) or municipal."`
	// Position is where the station is.
	Position *Position `json:"position,omitempty" jsonschema:"title=Position" jsonschema_description:"Location of the station in WGS 84."`
	// ObservedAt is the time of the reading, or the end of its period.
	ObservedAt time.Time `json:"observed_at" jsonschema:"title=Observed at,example=2006-04-02T06:00:00Z" jsonschema_description:"Time of an instant reading, or the end of the hour or day the values summarise (RFC 3339). SMHI's daily values end at 06 UTC for precipitation and snow depth."`
	// Period says what the values summarise; empty means instant.
	Period WeatherPeriod `json:"period,omitempty" jsonschema:"title=Period,default=instant" jsonschema_description:"What the values summarise: instant (momentanvärde), hour or day (dygn) ending at observed_at. Absent means instant. Temperatures over a period are means; precipitation is the sum."`
	// AirTemperatureC is the air temperature.
	AirTemperatureC *float64 `json:"air_temperature_c,omitempty" jsonschema:"title=Air temperature,minimum=-60,maximum=60,example=-3.1" jsonschema_description:"Air temperature (lufttemperatur) 2 m above ground in °C; the mean over the period when period is not instant."`
	// AirTemperatureMinC is the lowest air temperature in the period.
	AirTemperatureMinC *float64 `json:"air_temperature_min_c,omitempty" jsonschema:"title=Minimum air temperature,minimum=-60,maximum=60,example=-43.6" jsonschema_description:"Lowest air temperature in the period, in °C (minimitemperatur)."`
	// AirTemperatureMaxC is the highest air temperature in the period.
	AirTemperatureMaxC *float64 `json:"air_temperature_max_c,omitempty" jsonschema:"title=Maximum air temperature,minimum=-60,maximum=60,example=32.9" jsonschema_description:"Highest air temperature in the period, in °C (maximitemperatur)."`
	// RoadSurfaceTemperatureC is the road-surface temperature.
	RoadSurfaceTemperatureC *float64 `json:"road_surface_temperature_c,omitempty" jsonschema:"title=Road-surface temperature,minimum=-60,maximum=80,example=-1.4" jsonschema_description:"Road-surface temperature (vägytetemperatur) in °C. Asphalt in sun gets far warmer than the air, hence the higher bound."`
	// DewPointC is the dew point.
	DewPointC *float64 `json:"dew_point_c,omitempty" jsonschema:"title=Dew point,minimum=-60,maximum=40,example=-2.5" jsonschema_description:"Dew point (daggpunkt) in °C; frost forms when the road surface is colder than the dew point."`
	// PrecipitationMm is the precipitation in the period.
	PrecipitationMm *float64 `json:"precipitation_mm,omitempty" jsonschema:"title=Precipitation,minimum=0,maximum=500,example=3.3" jsonschema_description:"Precipitation (nederbördsmängd) in mm of water over the period; SMHI's daily sum runs 06-06 UTC."`
	// SnowDepthCm is the snow depth.
	SnowDepthCm *float64 `json:"snow_depth_cm,omitempty" jsonschema:"title=Snow depth,minimum=0,maximum=500,example=31" jsonschema_description:"Snow depth (snödjup) on the ground in cm. SMHI reports metres once a day at 06 UTC: 0.31 m is sent as 31."`
	// Quality is SMHI's quality code of the values.
	Quality QualityCode `json:"quality,omitempty" jsonschema:"title=Quality" jsonschema_description:"Checking state of the values: checked (SMHI code G, kontrollerade och godkända) or suspect (code Y, misstänkta eller okontrollerade)."`
}

// WeatherForecast is a forecast for one place and time (väderprognos). A new
// forecast run sends a new event for every valid time.
//
// Subject roads.weather-forecast; key source, location_id, issued_at,
// valid_at.
type WeatherForecast struct {
	// Source names the forecast model or service.
	Source string `json:"source" jsonschema:"title=Source,pattern=^[a-z0-9][a-z0-9._-]*$,maxLength=64,example=smhi-pmp3g" jsonschema_description:"Forecast model or service that made the forecast, e.g. smhi-pmp3g (SMHI's point forecast) or trafikverket-vvis."`
	// LocationID is the place the forecast is for.
	LocationID string `json:"location_id" jsonschema:"title=Location id,pattern=^[A-Za-z0-9._-]+$,minLength=1,maxLength=64,example=1980-422" jsonschema_description:"Place the forecast is for: a forecast point, a station id or an area code (e.g. a snow-clearing area)."`
	// Position is the forecast point.
	Position *Position `json:"position,omitempty" jsonschema:"title=Position" jsonschema_description:"Forecast point in WGS 84."`
	// IssuedAt is when the forecast was made.
	IssuedAt time.Time `json:"issued_at" jsonschema:"title=Issued at,example=2024-01-15T03:00:00Z" jsonschema_description:"When the forecast run was made (approvedTime at SMHI), RFC 3339."`
	// ValidAt is the time the values are forecast for.
	ValidAt time.Time `json:"valid_at" jsonschema:"title=Valid at,example=2024-01-15T18:00:00Z" jsonschema_description:"Time the values are forecast for, or the end of the period they summarise (RFC 3339)."`
	// Period says what the values summarise; empty means instant.
	Period WeatherPeriod `json:"period,omitempty" jsonschema:"title=Period,default=instant" jsonschema_description:"What the values summarise: instant, hour or day ending at valid_at. Absent means instant."`
	// AirTemperatureC is the forecast air temperature.
	AirTemperatureC *float64 `json:"air_temperature_c,omitempty" jsonschema:"title=Air temperature,minimum=-60,maximum=60,example=-6.5" jsonschema_description:"Forecast air temperature 2 m above ground in °C."`
	// RoadSurfaceTemperatureC is the forecast road-surface temperature.
	RoadSurfaceTemperatureC *float64 `json:"road_surface_temperature_c,omitempty" jsonschema:"title=Road-surface temperature,minimum=-60,maximum=80,example=-8" jsonschema_description:"Forecast road-surface temperature in °C."`
	// DewPointC is the forecast dew point.
	DewPointC *float64 `json:"dew_point_c,omitempty" jsonschema:"title=Dew point,minimum=-60,maximum=40,example=-7.2" jsonschema_description:"Forecast dew point in °C."`
	// PrecipitationMm is the forecast precipitation.
	PrecipitationMm *float64 `json:"precipitation_mm,omitempty" jsonschema:"title=Precipitation,minimum=0,maximum=500,example=1.2" jsonschema_description:"Forecast precipitation in mm of water over the period (for instant: the hourly rate)."`
	// PrecipitationProbability is the chance of any precipitation.
	PrecipitationProbability *float64 `json:"precipitation_probability,omitempty" jsonschema:"title=Precipitation probability,minimum=0,maximum=1,example=0.7" jsonschema_description:"Probability of precipitation in the period, 0-1."`
	// SnowfallCm is the forecast new snow.
	SnowfallCm *float64 `json:"snowfall_cm,omitempty" jsonschema:"title=Snowfall,minimum=0,maximum=200,example=4" jsonschema_description:"Forecast new snow (nysnö) in cm over the period."`
}
