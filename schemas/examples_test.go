package schemas

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func f64(v float64) *float64 { return &v }
func intp(v int) *int        { return &v }
func i64(v int64) *int64     { return &v }

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// examples holds one realistic value per catalog entry. Where real data
// exists, the value is one row of it (see /work/shared/data/SOURCES.md);
// the rest are simulated and say so.
var examples = map[string]any{
	// SCB_alderkon.csv: "Västerås","0","män",919 (31 Dec 2019).
	"population.population-by-age": PopulationByAge{
		Area: Area{AreaCode: "1980", AreaName: "Västerås"}, ReferenceDate: "2019-12-31",
		Age: 0, Sex: SexMale, Persons: 919,
	},
	// birth_data_per_region.csv: 19,1969,3774.
	"population.births": Births{
		Area: Area{AreaCode: "19", AreaName: "Västmanlands län"}, Year: 1969, Sex: SexTotal, LiveBirths: 3774,
	},
	// mortality_data_per_region.csv: 19,0,2001,8.
	"population.deaths": Deaths{
		Area: Area{AreaCode: "19"}, Year: 2001, Age: intp(0), Sex: SexTotal, Deaths: 8,
	},
	// migration_data_per_region.csv: 19;Västmanlands Län;0;1997;50 (read as net, unverified).
	"population.migration": Migration{
		Area: Area{AreaCode: "19", AreaName: "Västmanlands Län"}, Year: 1997, Age: intp(0),
		Sex: SexTotal, Flow: MigrationNet, Scope: MigrationTotal, Persons: 50,
	},
	// Simulated; Skatteverket's test personnummer.
	"population.resident-moved-in": ResidentMovedIn{
		RegisterEventID: "navet-2024-000123456", Personnummer: "19121212-1212", BirthDate: "1912-12-12",
		MovedInOn: "2024-08-01", MunicipalityCode: "1980", AreaCode: "1980-422", FromMunicipalityCode: "1884",
	},
	// Simulated.
	"population.birth-registered": BirthRegistered{
		RegisterEventID: "navet-2024-000123457", Personnummer: "20240517-2384", BirthDate: "2024-05-17",
		MunicipalityCode: "1980", AreaCode: "1980-415",
	},
	// vasteras_pkt_forskola.geojson, OBJECTID 50, EPSG:3010 (159536.68, 6604315.18) in WGS 84.
	"school.unit": SchoolUnit{
		UnitID: "12.5e8d74b614b07e41ca66bb4", Name: "Gäddeholms förskola", UnitType: UnitPreschool,
		Grades: []Grade{GradePreschool}, Operator: OperatorMunicipal, OperatorName: "Västerås stad",
		Position: &Position{Lat: 59.55327, Lon: 16.66864},
	},
	// database_school_data.csv (Växjö): braasskola, Grade F 32 pupils.
	"school.place-forecast": PlaceForecast{
		AreaCode: "1980", BaseYear: 2019, Year: 2029, AgeGroup: "forskola-1-5",
		P10: 8707, P50: 9528, P90: 10481, Confidence: 0.82, ModelID: "school-place-forecast", ModelVersion: "1.0.0",
	},
	"school.enrolment": Enrolment{
		UnitID: "braasskola", ReferenceDate: "2022-10-15", Grade: GradeF, Enrolled: 32,
	},
	// Simulated.
	"school.preschool-application": PreschoolApplication{
		ApplicationID: "0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a13", SubmittedAt: ts("2024-03-04T19:42:10+01:00"),
		Kind: ApplicationNew, ChildPersonnummer: "20230314-4568", GuardianPersonnummer: "19121212-1212",
		GuardianEmail: "vardnadshavare@example.se", DesiredStartDate: "2024-08-12",
		PreferredUnitIDs: []string{"12.5e8d74b614b07e41ca66bb4", "12.5e8d74b614b07e41ca66d3a"},
		HoursPerWeek:     40, AreaCode: "1980-415",
	},
	// mashie_one_months_meals.json: 2021-10-01, Lunch 1.
	"meals.menu": Menu{
		KitchenID: "vramlosa-skola", Date: "2021-10-01", Meal: MealLunch,
		Courses: []Course{{
			Label: "Lunch 1", Name: "Köttfärslåda med potatis och curry", Kind: CourseStandard,
			Allergens: []Allergen{AllergenMilk}, CO2eKg: f64(1.55),
			Nutrients: []Nutrient{{Name: "Energi", Amount: 340.77, Unit: UnitKcal}, {Name: "Protein", Amount: 18.47, Unit: UnitG}, {Name: "Vitamin D", Amount: 0.2, Unit: UnitUg}},
		}, {
			Label: "Lunch 2", Name: "Quornfärslåda med potatis och curry", Kind: CourseVegetarian, CO2eKg: f64(0.24),
		}},
	},
	// vramlosa_waste.csv, first row: numStudents 571.
	"meals.portions-served": PortionsServed{
		KitchenID: "vramlosa-skola", Date: "2021-10-01", Meal: MealLunch, Portions: 571,
	},
	// vramlosa_waste.csv, first row: 571 pupils × (0, 0.0105, 0.0158, 0.0263) kg per pupil.
	"meals.food-waste": FoodWaste{
		KitchenID: "vramlosa-skola", Date: "2021-10-01", Meal: MealLunch,
		KitchenWasteKg: f64(0), ServingWasteKg: f64(6.00), PlateWasteKg: f64(9.02), TotalWasteKg: 15.02,
		Diners: intp(571),
	},
	// Simulated, with an ingredient of the Mashie menu above.
	"meals.purchase": Purchase{
		OrderID: "PO-2024-004711", LineNo: 3, KitchenID: "vramlosa-skola", DeliveryDate: "2024-10-02",
		ArticleID: "112233", ArticleName: "Nötfärs 10 % fryst", Category: PurchaseMeat,
		Quantity: 25, Unit: QuantityKg, AmountSEK: f64(1987.5),
	},
	// Snodjup_Handsjo.csv: 2006-04-01;06:00:00;0.32;G.
	"roads.weather-observation": WeatherObservation{
		StationID: "124290", StationName: "Handsjön D", Network: NetworkSMHI,
		Position: &Position{Lat: 62.4761, Lon: 14.7981}, ObservedAt: ts("2006-04-01T06:00:00Z"),
		Period: PeriodInstant, SnowDepthCm: f64(32), Quality: QualityChecked,
	},
	// Simulated.
	"roads.weather-forecast": WeatherForecast{
		Source: "smhi-pmp3g", LocationID: "1980-422", IssuedAt: ts("2024-01-15T03:00:00Z"),
		ValidAt: ts("2024-01-15T18:00:00Z"), Period: PeriodHour, AirTemperatureC: f64(-6.5),
		PrecipitationMm: f64(1.2), PrecipitationProbability: f64(0.7), SnowfallCm: f64(1.5),
	},
	// Simulated.
	"roads.snow-clearing": SnowClearing{
		OperationID: "WO-2024-0117-12", AreaID: "plogomrade-12", AreaName: "Bäckby", Kind: SnowPloughing,
		Status: OperationCompleted, StartTime: ts("2024-01-17T03:30:00+01:00"),
		EndTime: ts("2024-01-17T07:10:00+01:00"), TriggeredBy: TriggerObservation, RoadLengthKm: f64(38.5),
	},
	// Simulated.
	"roads.ground-heating": GroundHeating{
		OperationID: "mv-stora-torget-2024-0117", SiteID: "stora-torget", SiteName: "Stora torget",
		Kind: HeatingAntiIcing, Status: OperationStarted, StartTime: ts("2024-01-16T22:00:00+01:00"),
		HeatSource: HeatDistrictHeating, SetpointC: f64(2), TriggeredBy: TriggerForecast,
	},
	// Simulated.
	"roads.fault-report": FaultReport{
		ReportID: "7d1f0b52-9a3e-4c8b-b1e6-5f2a9c0d4e81", ReportedAt: ts("2024-01-17T07:48:00+01:00"),
		Category: FaultSnow, Description: "Gång- och cykelvägen längs Bäckbyleden är inte plogad.",
		Position: &Position{Lat: 59.6205, Lon: 16.4689}, Channel: ChannelApp,
		Contact: &Contact{Email: "invanare@example.se"},
	},
	// OrdonezA_Sensors.txt, first row: 2011-11-28 02:27:59 - 10:18:11, Bed, Pressure, Bedroom.
	"care.sensor-activation": SensorActivation{
		ResidentID: "res-ordonez-a", SensorID: "bed", SensorKind: SensorPressure, Object: "bed",
		Room: RoomBedroom, StartedAt: ts("2011-11-28T02:27:59+01:00"), EndedAt: ts("2011-11-28T10:18:11+01:00"),
	},
	// Simulated, on the same home: the seat was last left at 16:09:57.
	"care.alarm": Alarm{
		AlarmID: "5b2e8f1a-0c4d-4e7b-9f36-a1d2c3b4e5f6", ResidentID: "res-ordonez-a", Kind: AlarmLongInactivity,
		Status: AlarmRaised, RaisedAt: ts("2011-11-28T19:10:00+01:00"), Source: AlarmFromModel,
		Score: f64(0.87), ModelID: "resident-routine", ModelVersion: "1.0.0",
		Explanation: "Ingen aktivitet sedan 16:09. Normalt rör sig personen minst en gång i timmen kvällstid.",
	},
	// Simulated from here on.
	"cases.case-opened": CaseOpened{
		CaseID: "9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b", CaseType: "preschool-placement",
		OpenedAt: ts("2024-03-04T19:42:11+01:00"), OrgUnitID: "forskoleplacering",
		SubjectRef: "school.preschool-application/0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a13", Deadline: "2024-07-04",
	},
	"cases.step-completed": StepCompleted{
		CaseID: "9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b", CaseType: "preschool-placement", StepID: "residency-check",
		CompletedAt: ts("2024-03-04T19:42:12+01:00"),
		CompletedBy: Actor{Kind: ActorRule, ID: "preschool-residency-check", Version: "3"},
		Automated:   true, DecisionID: "3e7d2a91-6c4b-4a0f-8b1e-9d8c7b6a5f40",
	},
	"cases.decision-recorded": DecisionRecorded{
		DecisionID: "3e7d2a91-6c4b-4a0f-8b1e-9d8c7b6a5f40", CaseID: "9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b",
		CaseType: "preschool-placement", StepID: "residency-check", DecidedAt: ts("2024-03-04T19:42:12+01:00"),
		DecidedBy: Actor{Kind: ActorRule, ID: "preschool-residency-check", Version: "3"}, Automated: true,
		Inputs: []DecisionInput{
			{Name: "child.registered_municipality", Value: "1980", Ref: "population.birth-registered/navet-2024-000123457"},
			{Name: "child.age_months", Value: 11},
		},
		DecisionContent: DecisionContent{
			Outcome: OutcomeCompleted, Result: "residency-confirmed",
			Motivering:    "Barnet är folkbokfört i Västerås kommun och fyller 1 år före önskat startdatum.",
			LegalBasis:    []string{"Skollagen (2010:800) 8 kap. 14 §", "Förvaltningslagen (2017:900) 28 §"},
			DelegationRef: "BUN delegationsordning 2024 punkt 3.4", Confidence: f64(1),
		},
	},
	"cases.decision-amended": DecisionAmended{
		DecisionID: "c41f8e0a-2b7d-4e95-a6c3-5d4e3f2a1b09", AmendsDecisionID: "3e7d2a91-6c4b-4a0f-8b1e-9d8c7b6a5f40",
		CaseID: "9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b", CaseType: "preschool-placement", StepID: "placement-proposal",
		AmendedAt: ts("2024-03-06T10:15:00+01:00"), AmendedBy: Actor{Kind: ActorPerson, ID: "staff-4821"},
		Reason: "Vårdnadshavaren har intyg om syskonförtur till Haga förskola.",
		DecisionContent: DecisionContent{
			Outcome: OutcomeCompleted, Result: "placement-proposed",
			Fields:        map[string]any{"proposed_unit_id": "12.5e8d74b614b07e41ca66d3a"},
			Motivering:    "Barnet erbjuds plats på Haga förskola, där ett syskon redan går.",
			LegalBasis:    []string{"Skollagen (2010:800) 8 kap. 15 §"},
			DelegationRef: "BUN delegationsordning 2024 punkt 3.4",
		},
	},
	"cases.case-closed": CaseClosed{
		CaseID: "9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b", CaseType: "preschool-placement",
		ClosedAt: ts("2024-03-08T14:02:00+01:00"), Resolution: ResolutionGranted,
		ClosedBy: &Actor{Kind: ActorPerson, ID: "staff-4821"}, FinalDecisionID: "c41f8e0a-2b7d-4e95-a6c3-5d4e3f2a1b09",
	},
	"cases.step-confirmed": StepConfirmed{
		ConfirmationID: "7d0e4b1c-8a2f-4c3d-9e5b-6f7a8b9c0d1e", CaseID: "9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b",
		CaseType: "preschool-placement", StepID: "residency-check", DecisionID: "3e7d2a91-6c4b-4a0f-8b1e-9d8c7b6a5f40",
		ConfirmedAt: ts("2024-03-05T09:12:00+01:00"), ConfirmedBy: Actor{Kind: ActorPerson, ID: "staff-4821"},
	},
	"cases.comment-added": CommentAdded{
		CommentID: "2b9c6d3e-1f4a-4b5c-8d7e-0a1b2c3d4e5f", CaseID: "9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b",
		CaseType: "preschool-placement", AddedAt: ts("2024-03-05T09:15:00+01:00"), AddedBy: Actor{Kind: ActorPerson, ID: "staff-4821"},
		Text: "Vårdnadshavaren har ringt och kompletterat ansökan.",
	},
	"cases.case-assigned": CaseAssigned{
		AssignmentID: "5c8d9e0f-3a4b-4c5d-8e6f-7a8b9c0d1e2f", CaseID: "9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b",
		CaseType: "preschool-placement", AssignedAt: ts("2024-03-05T09:00:00+01:00"),
		AssignedBy: Actor{Kind: ActorPerson, ID: "staff-0017"}, Assignee: "staff-4821",
	},
	"platform.dataset-published": DatasetPublished{
		DatasetID: "6f1c3b7e-2a4d-4c59-9e8f-0a1b2c3d4e5f", Version: 12, Title: "Matsvinn per kök och dag",
		PublishedAt: ts("2024-02-01T04:00:00+01:00"), RowCount: 281, Formats: []DatasetFormat{FormatCSV, FormatJSON},
		PrivacyReportURL: "https://data.vasteras.se/datasets/6f1c3b7e-2a4d-4c59-9e8f-0a1b2c3d4e5f/versions/12/privacy-report.json",
		Licence:          LicenceCCBY40,
	},
	"platform.connector-status": ConnectorStatus{
		Connector: "smhi-snow-depth", ConnectorType: "filedrop", State: ConnectorRunning,
		ReportedAt: ts("2024-01-17T08:00:00+01:00"), LastSuccessAt: ts("2024-01-17T07:59:41+01:00"),
		RecordsIn: 5023, RecordsOut: 5021, RecordsFailed: 2, LagRecords: i64(0),
		Checkpoint: "Snodjup_Handsjo.csv:5034",
	},
}

// TestExamplesFitSchemas marshals each example and checks it against its
// generated schema: every required property present, and the values within
// the declared types, enums, patterns, formats and bounds.
func TestExamplesFitSchemas(t *testing.T) {
	for _, e := range Events() {
		t.Run(e.Subject, func(t *testing.T) {
			ex, ok := examples[e.Subject]
			if !ok {
				t.Fatalf("no example for %s: add one to the examples table", e.Subject)
			}
			if got, want := reflect.TypeOf(ex), reflect.TypeOf(e.New()).Elem(); got != want {
				t.Fatalf("example is a %v, the catalog's type is %v", got, want)
			}
			b, err := json.Marshal(ex)
			if err != nil {
				t.Fatal(err)
			}
			var instance any
			if err := json.Unmarshal(b, &instance); err != nil {
				t.Fatal(err)
			}
			sb, err := e.Schema()
			if err != nil {
				t.Fatal(err)
			}
			schema := decodeSchemaJSON(t, sb)
			if errs := checkInstance(schema, schema, instance, ""); len(errs) > 0 {
				t.Errorf("example does not fit the schema:\n%s\n%s", strings.Join(errs, "\n"), b)
			}
		})
	}
	if len(examples) != len(Events()) {
		t.Errorf("%d examples for %d events: remove examples of events that are gone", len(examples), len(Events()))
	}
}

// TestCheckInstanceCatchesViolations makes sure the check above can fail.
func TestCheckInstanceCatchesViolations(t *testing.T) {
	e, _ := Lookup("roads.weather-observation", 1)
	sb, err := e.Schema()
	if err != nil {
		t.Fatal(err)
	}
	schema := decodeSchemaJSON(t, sb)
	bad := map[string]any{
		"station_id": "124 290", "air_temperature_c": -75.0, "quality": "G",
		"position": map[string]any{"lat": 16.5, "lon": 59.6},
	}
	errs := strings.Join(checkInstance(schema, schema, bad, ""), "\n")
	for _, want := range []string{
		`required property "observed_at" is missing`,
		"/station_id:", "/air_temperature_c: -75 must be >= -60", "/quality:",
		"/position/lat: 16.5 must be >= 55", "/position/lon: 59.6 must be <= 25",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("check missed %q; got:\n%s", want, errs)
		}
	}
}
