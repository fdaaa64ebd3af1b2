package meals

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/simulate"
	"github.com/vasteras/civicbus/schemas"
)

// simulatedYear is the demo's meal-portions scenario for 2024, seed 1980:
// 60 kitchens' lunches on every school day.
func simulatedYear(t testing.TB) []schemas.PortionsServed {
	return simulated[schemas.PortionsServed](t, "meal-portions")
}

// simulated reads a simulate scenario's records of 2024, seed 1980, as T.
func simulated[T any](t testing.TB, scenario string) []T {
	t.Helper()
	src, err := simulate.New(simulate.Config{Scenario: scenario, Seed: 1980, Start: "2024-01-01", End: "2024-12-31"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	for {
		b, ack, err := src.Read(context.Background())
		if errors.Is(err, connectors.ErrEndOfInput) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range b {
			raw, _ := json.Marshal(r.Fields)
			var p T
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatal(err)
			}
			out = append(out, p)
		}
		if err := ack(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBacktestSimulatedYear: on the simulated year the seasonal model beats
// the naive same-weekday-last-week baseline, its 80 % interval covers about
// 80 % of the days, and its orders run short on about one day in ten.
func TestBacktestSimulatedYear(t *testing.T) {
	r, err := Backtest(simulatedYear(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", r)
	if r.Points < 5000 || r.Origins < 30 {
		t.Fatalf("%d points at %d origins, want a year of 60 kitchens", r.Points, r.Origins)
	}
	if r.MAPE >= r.NaiveMAPE {
		t.Errorf("MAPE %.1f %% not below the naive baseline's %.1f %%", r.MAPE, r.NaiveMAPE)
	}
	if r.Coverage < 70 || r.Coverage > 90 {
		t.Errorf("P10-P90 covers %.1f %% of the days, want about 80", r.Coverage)
	}
	if r.Short > 20 {
		t.Errorf("orders short on %.1f %% of the days", r.Short)
	}
}

func ptr[T any](v T) *T { return &v }

func weeks(kitchen string, n int, portions map[string]int) []schemas.PortionsServed {
	var out []schemas.PortionsServed
	// 2024-09-02 is a Monday.
	for w := range n {
		for d, wd := range []string{"mon", "tue", "wed", "thu", "fri"} {
			date := schemas.Date(mustDay(2 + 7*w + d).Format("2006-01-02"))
			out = append(out, schemas.PortionsServed{KitchenID: kitchen, Date: date, Meal: schemas.MealLunch,
				Portions: portions[wd], PlannedPortions: ptr(300)})
		}
	}
	return out
}

// TestRunWeekdayAndOrder: a kitchen that serves fewer on Fridays gets a
// lower Friday forecast; the order is P90 rounded up and in kg per group
// when kg per portion is given; a short history is skipped, not guessed.
func TestRunWeekdayAndOrder(t *testing.T) {
	h := weeks("kok-a", 4, map[string]int{"mon": 300, "tue": 300, "wed": 300, "thu": 300, "fri": 240})
	h = append(h, weeks("kok-b", 1, map[string]int{"mon": 100, "tue": 100, "wed": 100, "thu": 100, "fri": 100})...)
	h = append(h, schemas.PortionsServed{KitchenID: "kok-a", Date: "2024-09-02", Meal: schemas.MealBreakfast, Portions: 9999})
	out, err := Run(Input{History: h, Days: []schemas.Date{"2024-10-04", "2024-09-30"},
		KgPerPortion: map[schemas.PurchaseCategory]float64{schemas.PurchaseMeat: 0.08, schemas.PurchasePotatoes: 0.15}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Rows) != 2 || len(out.Skipped) != 1 || out.Skipped[0] != "kok-b" {
		t.Fatalf("rows %+v skipped %v", out.Rows, out.Skipped)
	}
	mon, fri := out.Rows[0], out.Rows[1]
	if mon.Date != "2024-09-30" || mon.P50 != 300 || fri.P50 != 240 {
		t.Fatalf("Monday %+v, Friday %+v", mon, fri)
	}
	if mon.Order != 300 || mon.Confidence != 1 {
		t.Errorf("an exact history: order %d confidence %v", mon.Order, mon.Confidence)
	}
	want := []GroupKg{{schemas.PurchaseMeat, 24}, {schemas.PurchasePotatoes, 45}}
	if len(mon.OrderKg) != 2 || mon.OrderKg[0] != want[0] || mon.OrderKg[1] != want[1] {
		t.Errorf("order kg %+v, want %+v", mon.OrderKg, want)
	}
}

// TestValidate: every problem at once, naming fields and not values.
func TestValidate(t *testing.T) {
	_, err := Run(Input{History: []schemas.PortionsServed{{KitchenID: "kok-hemlig", Date: "2024-13-01", Portions: 5}},
		Days: []schemas.Date{"igår"}, Window: 3})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"history[0]", "days[0]", "window"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	for _, leak := range []string{"kok-hemlig", "igår", "2024-13-01"} {
		if strings.Contains(msg, leak) {
			t.Errorf("error %q shows the value %q", msg, leak)
		}
	}
}

func TestExplainNamesVersion(t *testing.T) {
	if !strings.Contains(Explain(), Version) || !strings.Contains(Explain(), "P90") {
		t.Error("Explain lacks the version or the order rule")
	}
}

func mustDay(septDay int) time.Time { return time.Date(2024, 9, septDay, 0, 0, 0, 0, time.UTC) }

// TestKgPerPortionSimulated: from the simulated year's purchases and
// portions, milk comes out near the simulation's 0.15 l per portion, and
// the orders of a kitchen can be given in kilograms.
func TestKgPerPortionSimulated(t *testing.T) {
	portions := simulatedYear(t)
	kg := KgPerPortion(simulated[schemas.Purchase](t, "meal-purchases"), portions)
	t.Logf("kg per portion: %v", kg)
	if d := kg[schemas.PurchaseDairy]; d < 0.13 || d > 0.17 {
		t.Errorf("dairy %.4f l per portion, the simulation buys 0.15", d)
	}
	if _, ok := kg[schemas.PurchaseEggs]; ok {
		t.Error("eggs are bought in pieces and must be left out")
	}
	out, err := Run(Input{History: portions, Days: []schemas.Date{"2025-01-13"}, KgPerPortion: kg})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Rows) != 60 || len(out.Rows[0].OrderKg) < 5 {
		t.Fatalf("%d rows, first %+v", len(out.Rows), out.Rows[0])
	}
}
