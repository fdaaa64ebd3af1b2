package e2e

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// What the demo's simulators send for 2024 with seed 1980 (demo/README.md):
// preschool-placement cases opened, and school-kitchen order lines.
const (
	simulatedCases     = 2214
	simulatedPurchases = 56078
	sensorActivations  = 409 // the real home's log, demo/data/ordonez
)

// `civicbus run` with nothing given, in an empty directory, starts the
// Västerås demo: its pages answer, the banner's sign-ins work, the seeded
// SCB file is read. Stopped while a simulator is sending, then started again
// on the same ./data, it reuses it and resumes: the simulated cases and the
// replayed care alarms are in the inbox, each simulated event and sensor
// activation is on the bus exactly once, the dataset has no second version.
func TestDemoStartsOnAFreshMachineAndResumes(t *testing.T) {
	t.Parallel()
	wd := t.TempDir()
	p := start(t, wd, nil, append([]string{"run"}, freePorts...)...)
	base := p.base(t)
	c := client(t)
	waitFor(t, 60*time.Second, "the portal's first page", func() bool {
		code, _ := get(c, base+"/")
		return code == http.StatusOK
	})
	t.Logf("the portal's first page answered %s after the process started (issue 9: within 10 s)", time.Since(p.began).Round(time.Millisecond))

	demoDir := filepath.Join(wd, "data", "demo")
	if got := p.banner(t, "demo"); !strings.Contains(got, "written in "+demoDir) {
		t.Errorf("demo row %q, want it written in %s", got, demoDir)
	}
	if got := p.banner(t, "demo sign-in"); !strings.HasPrefix(got, "anna / demo-anna (caseworker") {
		t.Errorf("first demo sign-in row %q", got)
	}
	token, _, _ := strings.Cut(p.banner(t, "admin token"), " ")
	for _, face := range []string{"portal", "casework", "admin"} {
		if p.banner(t, face) == "" {
			t.Errorf("no %s row", face)
		}
	}

	// The banner's admin token signs in to the admin face.
	signIn(t, base, "/admin/", url.Values{"token": {token}})

	// SCB's file, seeded into its drop folder, is read; a version of the
	// population dataset is published from it (now, not on its annual
	// schedule).
	const population = "population-by-age-band"
	waitFor(t, 120*time.Second, "the seeded SCB file in the population dataset", func() bool {
		d, ok := datasets(t, c, base)[population]
		return ok && d.Pending == 2020
	})
	if resp, err := c.Post(base+"/api/opendata/datasets/"+population+"/publish", "application/json", nil); err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("publish %s: %v %v", population, err, resp)
	}

	// The real home's sensor log is replayed onto the MQTT broker, once.
	waitFor(t, 120*time.Second, "the sensor log replayed", func() bool {
		return connectorStatus(t, c, base)["home-sensors"].RecordsOut == sensorActivations
	})

	// Stopped while the order-line simulator (the longest) is sending; a
	// file edited in between is kept.
	var sent status
	waitFor(t, 120*time.Second, "order lines on their way", func() bool {
		sent = connectorStatus(t, c, base)["simulated-meal-purchases"]
		return sent.RecordsOut > 0 || sent.State == "stopped"
	})
	t.Logf("stopping with %d of %d simulated order lines sent (%s)", sent.RecordsOut, simulatedPurchases, sent.State)
	if err := p.stop(t); err != nil {
		t.Errorf("stop: %v", err)
	}
	edited := filepath.Join(demoDir, "datasets.d", "weather-per-station-day.yaml")
	b, err := os.ReadFile(edited)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, "# edited between the starts\n"...)
	if err := os.WriteFile(edited, b, 0o644); err != nil {
		t.Fatal(err)
	}

	p2 := start(t, wd, nil, append([]string{"run"}, freePorts...)...)
	base = p2.base(t)
	if got := p2.banner(t, "demo"); !strings.Contains(got, "reused in "+demoDir) {
		t.Errorf("second start's demo row %q", got)
	}
	if got, _, _ := strings.Cut(p2.banner(t, "admin token"), " "); got != token {
		t.Error("the admin token changed on the second start")
	}
	if after, _ := os.ReadFile(edited); string(after) != string(b) {
		t.Error("the edited dataset file was overwritten")
	}

	// The banner's sign-ins work in the inbox: anna's has the simulated
	// preschool cases; bo's, of the care unit, the alarm of the real home's
	// sensor log that the first start replayed onto the MQTT broker.
	anna := signIn(t, base, "/casework/", url.Values{"username": {"anna"}, "password": {"demo-anna"}})
	waitFor(t, 120*time.Second, "simulated cases in anna's inbox", func() bool {
		var list struct {
			Cases []struct {
				Unit string `json:"org_unit_id"`
			} `json:"cases"`
		}
		return getJSON(t, anna, base+"/casework/api/cases", &list) && len(list.Cases) > 0 && list.Cases[0].Unit == "sim-forskoleplacering"
	})
	t.Logf("simulated cases in the inbox %s after the second start", time.Since(p2.began).Round(time.Millisecond))

	bo := signIn(t, base, "/casework/", url.Values{"username": {"bo"}, "password": {"demo-bo"}})
	waitFor(t, 120*time.Second, "a care alarm in bo's inbox", func() bool {
		var list struct {
			Cases []struct {
				Type string `json:"case_type"`
			} `json:"cases"`
		}
		return getJSON(t, bo, base+"/casework/api/cases?case_type=care-alarm", &list) && len(list.Cases) > 0
	})
	t.Logf("a care alarm from the replayed sensors in bo's inbox %s after the second start", time.Since(p2.began).Round(time.Millisecond))

	// The simulators go on from their checkpoints to the end of 2024: every
	// case and order line they send on the bus once, none twice (the
	// automation opens cases of its own on the same topic). The SCB file is not
	// read again: the population dataset has its one version and nothing
	// pending.
	for _, sim := range []struct {
		connector, topic string
		want             int
	}{
		{"simulated-case-opened", "cases.case-opened.v1", simulatedCases},
		{"simulated-meal-purchases", "meals.purchase.v1", simulatedPurchases},
		{"home-sensors", "care.sensor-activation.v1", sensorActivations}, // replayed once only
	} {
		waitFor(t, 300*time.Second, sim.connector+" to finish", func() bool {
			st := connectorStatus(t, c, base)[sim.connector].State
			return st == "stopped" || (sim.connector == "home-sensors" && st == "running")
		})
		ids, records := topicIDs(t, p2.kafka(t), sim.topic, "/civicbus/connectors/"+sim.connector)
		if len(ids) != sim.want || records != sim.want {
			t.Errorf("%s has %d records of %d ids, want %d of %d", sim.topic, records, len(ids), sim.want, sim.want)
		}
		twice := 0
		for _, n := range ids {
			if n != 1 {
				twice++
			}
		}
		if twice > 0 {
			t.Errorf("%d events of %s are on the bus more than once", twice, sim.topic)
		}
		t.Logf("%s: %d events, each once, %s after the second start", sim.topic, records, time.Since(p2.began).Round(time.Millisecond))
	}
	if d := datasets(t, c, base)[population]; d.Latest != 1 || d.Pending != 0 {
		t.Errorf("%s after the second start: version %d with %d changes pending, want 1 and 0", population, d.Latest, d.Pending)
	}
}

// dataset is a dataset as the open-data API lists it.
type dataset struct {
	Name    string `json:"name"`
	Latest  int    `json:"latest_version"`
	Pending int64  `json:"pending_changes"`
}

// datasets are the open-data service's datasets by name; none while it
// does not answer.
func datasets(t *testing.T, c *http.Client, base string) map[string]dataset {
	t.Helper()
	var list []dataset
	out := map[string]dataset{}
	if getJSON(t, c, base+"/api/opendata/datasets", &list) {
		for _, d := range list {
			out[d.Name] = d
		}
	}
	return out
}

// status is a connector's status as /api/connectors serves it.
type status struct {
	Connector  string `json:"connector"`
	State      string `json:"state"`
	RecordsOut int64  `json:"records_out"`
}

// connectorStatus is every connector's status by name; none while the
// process does not answer.
func connectorStatus(t *testing.T, c *http.Client, base string) map[string]status {
	t.Helper()
	var list []status
	out := map[string]status{}
	if getJSON(t, c, base+"/api/connectors", &list) {
		for _, s := range list {
			out[s.Connector] = s
		}
	}
	return out
}
