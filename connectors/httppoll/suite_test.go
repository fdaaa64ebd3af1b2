package httppoll_test

import (
	"testing"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/connectortest"
	"github.com/vasteras/civicbus/connectors/httppoll"
)

// TestConnectorSuite runs the suite every connector passes.
func TestConnectorSuite(t *testing.T) {
	connectortest.Run(t, &suiteFixture{})
}

// suiteFixture serves the suite's rows from a paged API, 5 to a page.
type suiteFixture struct{ api *api }

func (f *suiteFixture) Kind() connectors.Kind { return httppoll.Kind() }

func (f *suiteFixture) Config(t *testing.T) map[string]any {
	f.api = newAPI(t, 5, false)
	return map[string]any{"url": f.api.url(), "interval": "20ms", "items": "data.items", "next": "/links/next", "key": "date"}
}

func (f *suiteFixture) Write(t *testing.T, rows []connectortest.Row) {
	items := make([]any, len(rows))
	for i, r := range rows {
		items[i] = map[string]any{"kitchen": r.Kitchen, "date": r.Date, "total": r.Total}
	}
	f.api.add(items...)
}
