package schemas

// Events returns the catalog: every event contract, grouped by domain. It is
// the one explicit list; adding an event type or a major version means
// adding an entry here and running `go generate ./schemas`. Each call
// returns a fresh slice that the caller may modify.
func Events() []Event {
	return []Event{
		// population.go, population_register.go
		{
			Subject: "population.population-by-age", Version: 1, Topic: "population.population-by-age.v1",
			Title:       "Population by age (folkmängd)",
			Description: "Population of an area on a reference date by single year of age and sex, as SCB publishes it (folkmängd efter region, ålder och kön). Aggregate statistics, open data.",
			Key:         []string{"area_code", "reference_date", "age", "sex"}, PartitionKey: "area_code",
			New: func() any { return new(PopulationByAge) },
		},
		{
			Subject: "population.births", Version: 1, Topic: "population.births.v1",
			Title:       "Live births (levande födda)",
			Description: "Number of live births in an area and year or month, as SCB publishes it. Aggregate statistics, open data.",
			Key:         []string{"area_code", "year", "month", "sex"}, PartitionKey: "area_code",
			New: func() any { return new(Births) },
		},
		{
			Subject: "population.deaths", Version: 1, Topic: "population.deaths.v1",
			Title:       "Deaths (döda)",
			Description: "Number of deaths in an area and year or month, by age where the source has it. Aggregate statistics, open data.",
			Key:         []string{"area_code", "year", "month", "age", "sex"}, PartitionKey: "area_code",
			New: func() any { return new(Deaths) },
		},
		{
			Subject: "population.migration", Version: 1, Topic: "population.migration.v1",
			Title:       "Migration (flyttningar)",
			Description: "Number of people moving into or out of an area, or the net, in a year or month, by age where the source has it. Aggregate statistics, open data.",
			Key:         []string{"area_code", "year", "month", "age", "sex", "flow", "scope"}, PartitionKey: "area_code",
			New: func() any { return new(Migration) },
		},
		{
			Subject: "population.resident-moved-in", Version: 1, Topic: "population.resident-moved-in.v1",
			Title:       "Resident moved in (inflyttning)",
			Description: "A person was registered at an address in the municipality (folkbokföring). PERSONAL DATA: carries a personnummer; never published raw.",
			Key:         []string{"register_event_id"}, PartitionKey: "register_event_id", PersonalData: true,
			New: func() any { return new(ResidentMovedIn) },
		},
		{
			Subject: "population.birth-registered", Version: 1, Topic: "population.birth-registered.v1",
			Title:       "Birth registered (födelse)",
			Description: "A child born to a resident was registered in the municipality (folkbokföring). PERSONAL DATA: carries a personnummer; never published raw.",
			Key:         []string{"register_event_id"}, PartitionKey: "register_event_id", PersonalData: true,
			New: func() any { return new(BirthRegistered) },
		},
		// school.go
		{
			Subject: "school.unit", Version: 1, Topic: "school.unit.v1",
			Title:       "School unit (förskoleenhet, skolenhet)",
			Description: "Current description of a preschool or school unit: type, operator, capacity and location. The latest event per unit_id wins. Open data.",
			Key:         []string{"unit_id"}, PartitionKey: "unit_id",
			New: func() any { return new(SchoolUnit) },
		},
		{
			Subject: "school.enrolment", Version: 1, Topic: "school.enrolment.v1",
			Title:       "Enrolment (inskrivna barn och elever)",
			Description: "Number of children or pupils enrolled at a unit in one grade on a count date. Aggregate; small counts are suppressed before publication.",
			Key:         []string{"unit_id", "reference_date", "grade", "age"}, PartitionKey: "unit_id",
			New: func() any { return new(Enrolment) },
		},
		{
			Subject: "school.place-forecast", Version: 1, Topic: "school.place-forecast.v1",
			Title:       "School-place forecast (prognos över förskole- och skolplatser)",
			Description: "One row of a forecast of children per age group, area and year, with its P10-P90 band, as the automation service's forecast model made it. Open data.",
			Key:         []string{"area_code", "base_year", "year", "age_group", "model_version"}, PartitionKey: "area_code",
			New: func() any { return new(PlaceForecast) },
		},
		{
			Subject: "school.preschool-application", Version: 1, Topic: "school.preschool-application.v1",
			Title:       "Preschool application (ansökan om förskoleplats)",
			Description: "A guardian applied for a preschool place for a child; opens a preschool-placement case. PERSONAL DATA: carries personnummer; never published raw.",
			Key:         []string{"application_id"}, PartitionKey: "application_id", PersonalData: true,
			New: func() any { return new(PreschoolApplication) },
		},
		// meals.go
		{
			Subject: "meals.menu", Version: 1, Topic: "meals.menu.v1",
			Title:       "Menu (matsedel)",
			Description: "The dishes a kitchen serves at one meal on one day, with allergens, nutrients and climate impact. Open data.",
			Key:         []string{"kitchen_id", "date", "meal"}, PartitionKey: "kitchen_id",
			New: func() any { return new(Menu) },
		},
		{
			Subject: "meals.portions-served", Version: 1, Topic: "meals.portions-served.v1",
			Title:       "Portions served (serverade portioner)",
			Description: "Number of portions a kitchen served at one meal on one day. Open data.",
			Key:         []string{"kitchen_id", "date", "meal"}, PartitionKey: "kitchen_id",
			New: func() any { return new(PortionsServed) },
		},
		{
			Subject: "meals.food-waste", Version: 1, Topic: "meals.food-waste.v1",
			Title:       "Food waste (matsvinn)",
			Description: "Food wasted by a kitchen on one day or at one meal, in kg, as kitchen, serving and plate waste. Open data.",
			Key:         []string{"kitchen_id", "date", "meal"}, PartitionKey: "kitchen_id",
			New: func() any { return new(FoodWaste) },
		},
		{
			Subject: "meals.purchase", Version: 1, Topic: "meals.purchase.v1",
			Title:       "Food purchase (livsmedelsinköp)",
			Description: "One line of a kitchen's food order: article, quantity, price and climate impact. Open data.",
			Key:         []string{"order_id", "line_no"}, PartitionKey: "kitchen_id",
			New: func() any { return new(Purchase) },
		},
		// roads.go, roads_ops.go
		{
			Subject: "roads.weather-observation", Version: 1, Topic: "roads.weather-observation.v1",
			Title:       "Weather observation (väderobservation)",
			Description: "Values a weather station measured: air and road-surface temperature, dew point, precipitation, snow depth. Open data (an EU high-value dataset).",
			Key:         []string{"station_id", "observed_at", "period"}, PartitionKey: "station_id",
			New: func() any { return new(WeatherObservation) },
		},
		{
			Subject: "roads.weather-forecast", Version: 1, Topic: "roads.weather-forecast.v1",
			Title:       "Weather forecast (väderprognos)",
			Description: "A forecast of temperatures, precipitation and snowfall for one place and valid time, from one forecast run.",
			Key:         []string{"source", "location_id", "issued_at", "valid_at"}, PartitionKey: "location_id",
			New: func() any { return new(WeatherForecast) },
		},
		{
			Subject: "roads.snow-clearing", Version: 1, Topic: "roads.snow-clearing.v1",
			Title:       "Snow-clearing operation (snöröjning)",
			Description: "A ploughing, sanding, salting or snow-removal operation in an area; one event per change of status. Open data.",
			Key:         []string{"operation_id", "status"}, PartitionKey: "area_id",
			New: func() any { return new(SnowClearing) },
		},
		{
			Subject: "roads.ground-heating", Version: 1, Topic: "roads.ground-heating.v1",
			Title:       "Ground-heating operation (markvärme)",
			Description: "A period of ground heating on a heated surface; one event per change of status. Open data.",
			Key:         []string{"operation_id", "status"}, PartitionKey: "site_id",
			New: func() any { return new(GroundHeating) },
		},
		{
			Subject: "roads.fault-report", Version: 1, Topic: "roads.fault-report.v1",
			Title:       "Citizen fault report (felanmälan)",
			Description: "A citizen reported a fault in a street or public place. PERSONAL DATA in the optional contact and the free-text description; never published raw.",
			Key:         []string{"report_id"}, PartitionKey: "report_id", PersonalData: true,
			New: func() any { return new(FaultReport) },
		},
		// care.go
		{
			Subject: "care.sensor-activation", Version: 1, Topic: "care.sensor-activation.v1",
			Title:       "Sensor activation (sensoraktivering)",
			Description: "A binary sensor in a resident's home was active from started_at to ended_at. PERSONAL DATA (pseudonymous, health-related); only monthly counts per district are ever published.",
			Key:         []string{"resident_id", "sensor_id", "started_at"}, PartitionKey: "resident_id", PersonalData: true,
			New: func() any { return new(SensorActivation) },
		},
		{
			Subject: "care.alarm", Version: 1, Topic: "care.alarm.v1",
			Title:       "Care alarm (larm)",
			Description: "An alarm about a resident for the care team, raised by the routine model, a device or staff; one event per change of status. PERSONAL DATA (pseudonymous); only monthly counts per district are ever published.",
			Key:         []string{"alarm_id", "status"}, PartitionKey: "resident_id", PersonalData: true,
			New: func() any { return new(Alarm) },
		},
		// cases.go, cases_decision.go
		{
			Subject: "cases.case-opened", Version: 1, Topic: "cases.case-opened.v1",
			Title:       "Case opened (ärende öppnat)",
			Description: "A case of some case type was opened in a unit's inbox. Refers to personal data by reference only.",
			Key:         []string{"case_id"}, PartitionKey: "case_id", PersonalData: true,
			New: func() any { return new(CaseOpened) },
		},
		{
			Subject: "cases.step-completed", Version: 1, Topic: "cases.step-completed.v1",
			Title:       "Case step completed (handläggningssteg klart)",
			Description: "A step of a case was completed by a rule, a model or a person.",
			Key:         []string{"case_id", "step_id", "completed_at"}, PartitionKey: "case_id", PersonalData: true,
			New: func() any { return new(StepCompleted) },
		},
		{
			Subject: "cases.decision-recorded", Version: 1, Topic: "cases.decision-recorded.v1",
			Title:       "Decision recorded (beslut)",
			Description: "Append-only record of one decision on a case step: rule or model and version, inputs, outcome, motivering, legal basis, delegation and time (förvaltningslagen 28 §, kommunallagen 6 kap. 37 §).",
			Key:         []string{"decision_id"}, PartitionKey: "case_id", PersonalData: true,
			New: func() any { return new(DecisionRecorded) },
		},
		{
			Subject: "cases.decision-amended", Version: 1, Topic: "cases.decision-amended.v1",
			Title:       "Decision amended (ändrat beslut)",
			Description: "A person's override of an earlier decision record: points at the record it amends, says why, and states the new decision in full.",
			Key:         []string{"decision_id"}, PartitionKey: "case_id", PersonalData: true,
			New: func() any { return new(DecisionAmended) },
		},
		// cases_work.go
		{
			Subject: "cases.step-confirmed", Version: 1, Topic: "cases.step-confirmed.v1",
			Title:       "Step confirmed (beslut bekräftat)",
			Description: "A person confirmed a decision record of a case step and let it stand; for a care alarm, acknowledged it.",
			Key:         []string{"confirmation_id"}, PartitionKey: "case_id", PersonalData: true,
			New: func() any { return new(StepConfirmed) },
		},
		{
			Subject: "cases.comment-added", Version: 1, Topic: "cases.comment-added.v1",
			Title:       "Comment added (kommentar)",
			Description: "A caseworker's comment on a case. PERSONAL DATA: free text; never published.",
			Key:         []string{"comment_id"}, PartitionKey: "case_id", PersonalData: true,
			New: func() any { return new(CommentAdded) },
		},
		{
			Subject: "cases.case-assigned", Version: 1, Topic: "cases.case-assigned.v1",
			Title:       "Case assigned (ärende tilldelat)",
			Description: "A case was assigned to a caseworker; the latest assignment holds.",
			Key:         []string{"assignment_id"}, PartitionKey: "case_id", PersonalData: true,
			New: func() any { return new(CaseAssigned) },
		},
		{
			Subject: "cases.case-closed", Version: 1, Topic: "cases.case-closed.v1",
			Title:       "Case closed (ärende avslutat)",
			Description: "A case was closed, with how it ended.",
			Key:         []string{"case_id"}, PartitionKey: "case_id", PersonalData: true,
			New: func() any { return new(CaseClosed) },
		},
		// platform.go
		{
			Subject: "platform.dataset-published", Version: 1, Topic: "platform.dataset-published.v1",
			Title:       "Dataset version published (publicerad datamängd)",
			Description: "The open-data service published an immutable new version of a dataset, with its privacy report.",
			Key:         []string{"dataset_id", "version"}, PartitionKey: "dataset_id",
			New: func() any { return new(DatasetPublished) },
		},
		{
			Subject: "platform.connector-status", Version: 1, Topic: "platform.connector-status.v1",
			Title:       "Connector status",
			Description: "A connector's periodic health report: state, last success and error, record counts and lag.",
			Key:         []string{"connector", "reported_at"}, PartitionKey: "connector",
			New: func() any { return new(ConnectorStatus) },
		},
	}
}
