package schemas

import "time"

// The platform's own events: a dataset version published by the open-data
// service, and the health of each connector.

// DatasetFormat is a file format a dataset version is offered in.
type DatasetFormat string

// The distribution formats.
const (
	FormatCSV     DatasetFormat = "csv"
	FormatJSON    DatasetFormat = "json"
	FormatNDJSON  DatasetFormat = "ndjson"
	FormatGeoJSON DatasetFormat = "geojson"
	FormatXLSX    DatasetFormat = "xlsx"
)

// EnumValues lists every DatasetFormat value, in schema order.
func (DatasetFormat) EnumValues() []string {
	return enumValues(FormatCSV, FormatJSON, FormatNDJSON, FormatGeoJSON, FormatXLSX)
}

// Licence is the licence of a published dataset, as the IRI that
// dataportal.se expects (http, not https).
type Licence string

// The licences open data is published under.
const (
	LicenceCCBY40 Licence = "http://creativecommons.org/licenses/by/4.0/"
	LicenceCC0    Licence = "http://creativecommons.org/publicdomain/zero/1.0/"
)

// EnumValues lists every Licence value, in schema order.
func (Licence) EnumValues() []string { return enumValues(LicenceCCBY40, LicenceCC0) }

// DatasetPublished announces an immutable new version of an open dataset
// (publicerad datamängd), anonymised by its declared policy.
//
// Subject platform.dataset-published; key dataset_id, version.
type DatasetPublished struct {
	// DatasetID is the dataset's identifier.
	DatasetID string `json:"dataset_id" jsonschema:"title=Dataset id,format=uuid,example=6f1c3b7e-2a4d-4c59-9e8f-0a1b2c3d4e5f" jsonschema_description:"UUID of the dataset, its dct:identifier in the DCAT-AP-SE catalog."`
	// Version is the version number.
	Version int `json:"version" jsonschema:"title=Version,minimum=1,example=12" jsonschema_description:"Number of this version of the dataset, counting from 1; with dataset_id the event's key."`
	// Title is the dataset's Swedish title.
	Title string `json:"title,omitempty" jsonschema:"title=Title,maxLength=300,example=Matsvinn per kök och dag" jsonschema_description:"The dataset's title in Swedish, for people reading the stream."`
	// PublishedAt is when the version was published.
	PublishedAt time.Time `json:"published_at" jsonschema:"title=Published at,example=2024-02-01T04:00:00+01:00" jsonschema_description:"When the version was published (RFC 3339)."`
	// RowCount is the number of rows.
	RowCount int `json:"row_count" jsonschema:"title=Row count,minimum=0,example=281" jsonschema_description:"Number of rows in the version, after suppression."`
	// Formats lists the formats the version can be downloaded in.
	Formats []DatasetFormat `json:"formats" jsonschema:"title=Formats,minItems=1,uniqueItems=true" jsonschema_description:"File formats the version can be downloaded in."`
	// PrivacyReportURL is where the version's privacy report is.
	PrivacyReportURL string `json:"privacy_report_url" jsonschema:"title=Privacy report,format=uri,maxLength=2000,example=https://data.vasteras.se/datasets/6f1c3b7e-2a4d-4c59-9e8f-0a1b2c3d4e5f/versions/12/privacy-report.json" jsonschema_description:"URL of the machine-readable privacy report of this version: the policy, the k reached, what was suppressed and generalised, the epsilon spent."`
	// DownloadURL is the version's landing or download URL.
	DownloadURL string `json:"download_url,omitempty" jsonschema:"title=Download URL,format=uri,maxLength=2000,example=https://data.vasteras.se/datasets/6f1c3b7e-2a4d-4c59-9e8f-0a1b2c3d4e5f/versions/12" jsonschema_description:"URL the version can be downloaded from."`
	// SHA256 is the checksum of the canonical (CSV or JSON) file.
	SHA256 string `json:"sha256,omitempty" jsonschema:"title=SHA-256,pattern=^[0-9a-f]{64}$" jsonschema_description:"Hex SHA-256 of the first format's file, so a download can be checked."`
	// Licence is the version's licence.
	Licence Licence `json:"licence,omitempty" jsonschema:"title=Licence" jsonschema_description:"Licence IRI: CC BY 4.0 or CC0, in the http form dataportal.se expects."`
	// TemporalStart is the first day the data covers.
	TemporalStart Date `json:"temporal_start,omitempty" jsonschema:"title=Temporal coverage start,format=date,example=2021-08-16" jsonschema_description:"First day the data covers."`
	// TemporalEnd is the last day the data covers.
	TemporalEnd Date `json:"temporal_end,omitempty" jsonschema:"title=Temporal coverage end,format=date,example=2024-01-31" jsonschema_description:"Last day the data covers."`
}

// ConnectorState is the state of a connector.
type ConnectorState string

// The connector states.
const (
	ConnectorStarting   ConnectorState = "starting"
	ConnectorRunning    ConnectorState = "running"
	ConnectorBackingOff ConnectorState = "backing-off"
	ConnectorStopped    ConnectorState = "stopped"
	ConnectorFailed     ConnectorState = "failed"
	ConnectorFinished   ConnectorState = "finished"
)

// EnumValues lists every ConnectorState value, in schema order.
func (ConnectorState) EnumValues() []string {
	return enumValues(ConnectorStarting, ConnectorRunning, ConnectorBackingOff,
		ConnectorStopped, ConnectorFailed, ConnectorFinished)
}

// ConnectorStatus is a connector's periodic health report. Counters run
// from the connector's start.
//
// Subject platform.connector-status; key connector, reported_at.
type ConnectorStatus struct {
	// Connector is the connector's name.
	Connector string `json:"connector" jsonschema:"title=Connector,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=smhi-snow-depth" jsonschema_description:"Name of the connector, as in its YAML file."`
	// ConnectorType is the kind of connector.
	ConnectorType string `json:"connector_type,omitempty" jsonschema:"title=Connector type,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=filedrop,example=httppoll,example=mqtt" jsonschema_description:"Kind of connector: filedrop, httppoll, sqlpoll, mqtt, webhook or a custom one's name."`
	// State is the connector's state.
	State ConnectorState `json:"state" jsonschema:"title=State" jsonschema_description:"starting, running, backing-off (retrying after an error), stopped (shut down), failed (gave up; needs a person) or finished (read its whole input: a normal end)."`
	// ReportedAt is when the status was taken.
	ReportedAt time.Time `json:"reported_at" jsonschema:"title=Reported at,example=2024-01-17T08:00:00+01:00" jsonschema_description:"When the status was taken (RFC 3339)."`
	// LastSuccessAt is when a record was last delivered.
	LastSuccessAt time.Time `json:"last_success_at,omitzero" jsonschema:"title=Last success at,example=2024-01-17T07:59:41+01:00" jsonschema_description:"When the connector last put a record on the bus (RFC 3339)."`
	// LastErrorAt is when the last error happened.
	LastErrorAt time.Time `json:"last_error_at,omitzero" jsonschema:"title=Last error at" jsonschema_description:"When the last error happened (RFC 3339)."`
	// LastError is the last error's message.
	LastError string `json:"last_error,omitempty" jsonschema:"title=Last error,maxLength=2000,example=httppoll: GET https://opendata-download-metobs.smhi.se/api: 503 Service Unavailable" jsonschema_description:"Message of the last error, naming the operation and, where there is one, the file and line."`
	// RecordsIn is the number of records read.
	RecordsIn int64 `json:"records_in" jsonschema:"title=Records in,minimum=0,example=5023" jsonschema_description:"Records read from the source since the connector started."`
	// RecordsOut is the number of events put on the bus.
	RecordsOut int64 `json:"records_out" jsonschema:"title=Records out,minimum=0,example=5021" jsonschema_description:"Events put on the bus since the connector started."`
	// RecordsFailed is the number of records sent to the dead-letter topic.
	RecordsFailed int64 `json:"records_failed" jsonschema:"title=Records failed,minimum=0,example=2" jsonschema_description:"Records that failed mapping or validation and went to the dead-letter topic since the connector started."`
	// LagRecords is how many records the source holds that are not yet read.
	LagRecords *int64 `json:"lag_records,omitempty" jsonschema:"title=Lag in records,minimum=0,example=0" jsonschema_description:"Records waiting at the source, when the source can tell."`
	// LagSeconds is the age of the oldest unread record.
	LagSeconds *float64 `json:"lag_seconds,omitempty" jsonschema:"title=Lag in seconds,minimum=0,example=12.5" jsonschema_description:"Age in seconds of the oldest record not yet read, when the source can tell."`
	// Checkpoint is where the connector will resume.
	Checkpoint string `json:"checkpoint,omitempty" jsonschema:"title=Checkpoint,maxLength=2000,example=Snodjup_Handsjo.csv:5034" jsonschema_description:"Where the connector resumes after a restart, in the connector's own terms (file and line, offset, updated_at)."`
}
