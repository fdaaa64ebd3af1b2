package filedrop_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/connectors/all"
	"github.com/vasteras/civicbus/connectors/connectortest"
	"github.com/vasteras/civicbus/internal/testenv"
)

const wasteTopic = "meals.food-waste.v1"

// env is one test's world (see connectortest.Env) and a drop directory.
type env struct {
	*connectortest.Env
	dir string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvOn(t, testenv.Broker(t).Addr())
}

// newEnvOn is newEnv on the broker at addr.
func newEnvOn(t testing.TB, addr string) *env {
	t.Helper()
	return &env{Env: connectortest.NewOn(t, addr, all.Registry(), wasteTopic), dir: t.TempDir()}
}

// wasteYAML is the connector of the test data: Windows-1252, semicolons,
// decimal commas, Swedish column names.
func (e *env) wasteYAML(extra string) string {
	return `name: kitchen-waste
kind: filedrop
topic: meals.food-waste.v1
config:
  dir: ` + e.dir + `
  delimiter: ";"
  encoding: windows-1252
  decimal_comma: true
  poll_interval_ms: 20
` + extra + `
mapping:
  fields:
    kitchen_id: 'row["kök"]'
    date: row.datum
    meal: row["måltid"]
    kitchen_waste_kg: double(row["kökssvinn"])
    serving_waste_kg: double(row.serveringssvinn)
    plate_waste_kg: double(row.tallrikssvinn)
    total_waste_kg: double(row.totalt)
    diners: int(row["ätande"])
`
}

var waitFor = connectortest.WaitFor

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
