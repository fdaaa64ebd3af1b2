package simulate

import (
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/connectortest"
)

// TestConnectorSuite runs the suite every connector passes, on the real
// Source (positions, seeking, batching, pacing off) with a scenario that
// makes the suite's rows on their days.
func TestConnectorSuite(t *testing.T) {
	connectortest.Run(t, &suiteFixture{})
}

// suiteFixture's scenario "suite" offers each row on its date, with the
// fields kitchen, date and total.
type suiteFixture struct{ rows []connectortest.Row }

func (f *suiteFixture) Kind() connectors.Kind {
	return kindOf(map[string]scenarioFunc{"suite": func(params) scenario { return suiteScenario{f} }})
}

func (f *suiteFixture) Config(t *testing.T) map[string]any {
	f.rows = nil
	return map[string]any{"scenario": "suite", "seed": 1, "start": "2024-01-01", "end": "2024-12-31", "batch_size": 5}
}

func (f *suiteFixture) Write(t *testing.T, rows []connectortest.Row) {
	f.rows = append(f.rows, rows...)
}

type suiteScenario struct{ f *suiteFixture }

func (s suiteScenario) day(d time.Time) []item {
	var out []item
	for i, r := range s.f.rows {
		if r.Date == d.Format(time.DateOnly) {
			out = append(out, item{at: d.Add(time.Duration(i) * time.Second), key: r.Kitchen + "/" + r.Date,
				fields: map[string]any{"kitchen": r.Kitchen, "date": r.Date, "total": r.Total}})
		}
	}
	return out
}
