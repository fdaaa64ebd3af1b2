package automation

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/snow"
)

func f64(f float64) *float64 { return &f }

// TestSnowWorkOrdersAndReports: a night of 12 cm new snow at Bäckby's
// station and a forecast of light precipitation near 0 °C. Once the
// weather settles the snow model opens a snow-work-order case for the
// area and day: work-order completed (ploughing at 12 cm on priority
// roads) and published as a planned roads.snow-clearing.v1 work order with
// its decision id, ground heating on for the square, published as a
// planned roads.ground-heating.v1. A citizen's snow report from Bäckby
// then gets the automated reply that the area is scheduled (the
// snow-report rule reads the work order through the snow-clearing-plan
// projection); one from an area with nothing planned goes to a person.
// Sending the weather again orders nothing twice.
func TestSnowWorkOrdersAndReports(t *testing.T) {
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	orders := collect(t, conn, TopicSnowClearing)
	heating := collect(t, conn, TopicGroundHeating)
	opened := collect(t, conn, TopicCaseOpened)
	decisions := collect(t, conn, TopicDecision)
	areas := []SnowArea{{ID: "1980-422", Name: "Bäckby", Priority: true, Stations: []string{"124290"}, ForecastLocations: []string{"1980-422"}, HeatingSite: "backby-torg"}}
	dir := filepath.Join("rules", "testdata", "examples", "snow")
	s, stop := startService(t, Config{RulesDir: dir, Conn: conn, DB: filepath.Join(t.TempDir(), "a.db"), SnowAreas: areas, SettleEvery: 200 * time.Millisecond})
	defer stop()

	day := time.Date(2026, 1, 17, 6, 0, 0, 0, time.UTC)
	weather := func(prefix string) {
		obs := []any{
			schemas.WeatherObservation{StationID: "124290", ObservedAt: day.Add(-24 * time.Hour), Period: schemas.PeriodDay, SnowDepthCm: f64(10), AirTemperatureC: f64(-4), PrecipitationMm: f64(0)},
			schemas.WeatherObservation{StationID: "124290", ObservedAt: day, Period: schemas.PeriodDay, SnowDepthCm: f64(22), AirTemperatureC: f64(-3), PrecipitationMm: f64(9)},
			schemas.WeatherObservation{StationID: "999999", ObservedAt: day, Period: schemas.PeriodDay, SnowDepthCm: f64(40)}, // no area's
		}
		publish(t, conn, TopicObservation, []string{prefix + "01", prefix + "02", prefix + "03"}, obs)
		var fcs []any
		var ids []string
		for h := 1; h <= 6; h++ {
			fcs = append(fcs, schemas.WeatherForecast{Source: "smhi-pmp3g", LocationID: "1980-422", IssuedAt: day.Add(-3 * time.Hour), ValidAt: day.Add(time.Duration(h) * time.Hour),
				Period: schemas.PeriodHour, AirTemperatureC: f64(-1), RoadSurfaceTemperatureC: f64(-1.5), PrecipitationMm: f64(0.4)})
			ids = append(ids, fmt.Sprintf("%s%02d", prefix[:len(prefix)-2]+"10", h))
		}
		publish(t, conn, TopicWeatherForecast, ids, fcs)
	}
	weather("00000000-0000-4000-8000-0000000000")
	waitFor(t, "the ploughing work order", func() bool { return len(orders.distinct()) >= 1 && len(heating.distinct()) >= 1 })
	waitFor(t, "the snow-work-order case", func() bool { return len(opened.distinct()) >= 1 && len(decisions.distinct()) >= 2 })

	var plough *schemas.SnowClearing
	for _, m := range orders.distinct() {
		var o schemas.SnowClearing
		json.Unmarshal(m.Payload, &o)
		if o.Kind == schemas.SnowPloughing {
			plough = &o
		}
		if o.AreaID != "1980-422" || o.Status != schemas.OperationPlanned || o.DecisionID == "" {
			t.Errorf("work order %+v", o)
		}
	}
	if plough == nil {
		t.Fatalf("no ploughing among %d work orders", len(orders.distinct()))
	}
	byID := map[string]schemas.DecisionRecorded{}
	for _, m := range decisions.distinct() {
		var d schemas.DecisionRecorded
		json.Unmarshal(m.Payload, &d)
		byID[d.DecisionID] = d
	}
	wo, ok := byID[plough.DecisionID]
	if !ok || wo.Outcome != schemas.OutcomeCompleted || wo.StepID != StepWorkOrder || wo.DecidedBy.ID != snow.Name || !strings.Contains(wo.Motivering, "12 cm nysnö") {
		t.Errorf("the work order's decision %+v", wo)
	}
	for _, m := range heating.distinct() {
		var h schemas.GroundHeating
		json.Unmarshal(m.Payload, &h)
		d := byID[h.DecisionID]
		if h.SiteID != "backby-torg" || d.StepID != StepGroundHeating || d.Outcome != schemas.OutcomeCompleted || d.Result != "heating-on" {
			t.Errorf("heating %+v by decision %+v", h, d)
		}
	}
	for _, m := range opened.distinct() {
		var c schemas.CaseOpened
		json.Unmarshal(m.Payload, &c)
		if c.CaseType != CaseTypeSnowWorkOrder || c.OrgUnitID != DefaultSnowUnit || c.CaseID != wo.CaseID {
			t.Errorf("case %+v", c)
		}
	}
	workOrderCases := len(opened.distinct())

	// Citizens' reports: Bäckby is scheduled; Skultuna is not.
	report := func(id, area string) map[string]any {
		return map[string]any{"report_id": id, "reported_at": "2026-01-17T07:48:00+01:00", "category": "snow", "area_code": area,
			"description": "Gång- och cykelvägen är inte plogad.", "channel": "app", "contact": map[string]any{"name": "Anna Andersson", "email": "anna@example.se"}}
	}
	publish(t, conn, "roads.fault-report.v1", []string{"00000000-0000-4000-8000-0000000000f1", "00000000-0000-4000-8000-0000000000f2"},
		[]any{report("7d1f0b52-9a3e-4c8b-b1e6-5f2a9c0d4e81", "1980-422"), report("8e2a1c63-0b4f-4d9c-82f7-6a3b0d1e5f92", "1980-450")})
	replies := map[string]schemas.DecisionRecorded{}
	waitFor(t, "two replies", func() bool {
		for _, m := range decisions.distinct() {
			var d schemas.DecisionRecorded
			json.Unmarshal(m.Payload, &d)
			if d.CaseType == "snow-report" {
				replies[d.CaseID] = d
			}
		}
		return len(replies) == 2
	})
	if d := replies["7d1f0b52-9a3e-4c8b-b1e6-5f2a9c0d4e81"]; d.Outcome != schemas.OutcomeCompleted || !strings.Contains(d.Motivering, "redan") {
		t.Errorf("Bäckby's report: %s %q, want the automated reply", d.Outcome, d.Motivering)
	}
	if d := replies["8e2a1c63-0b4f-4d9c-82f7-6a3b0d1e5f92"]; d.Outcome != schemas.OutcomeReferred {
		t.Errorf("the unscheduled area's report: %s, want referred", d.Outcome)
	}
	// Each report opened its snow-report case (the case type's opened_by).
	waitFor(t, "the reports' cases", func() bool { return len(opened.distinct()) == workOrderCases+2 })
	for _, m := range opened.distinct() {
		var c schemas.CaseOpened
		json.Unmarshal(m.Payload, &c)
		if _, ok := replies[c.CaseID]; ok && (c.CaseType != "snow-report" || c.OrgUnitID != "gata-park" || c.SubjectRef != "roads.fault-report/"+c.CaseID || c.Deadline == "") {
			t.Errorf("report case %+v", c)
		}
	}
	for _, d := range replies {
		if js, _ := json.Marshal(d); strings.Contains(string(js), "Anna") || strings.Contains(string(js), "anna@") {
			t.Errorf("the reporter's name or address in the decision: %s", js)
		}
	}

	// The same weather sent again (new event ids): nothing new.
	n, nh := orders.count(), heating.count()
	again := time.Now()
	weather("00000000-0000-4000-9000-0000000000")
	waitHandled(t, s, dueArea, 1, again)
	time.Sleep(500 * time.Millisecond) // anything published would be read by now
	if orders.count() != n || heating.count() != nh {
		t.Errorf("after the same weather again %d work orders and %d heating events, before %d and %d", orders.count(), heating.count(), n, nh)
	}
}
