package e2e

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/demo/replay"
)

// freeAddr is a loopback address nothing listens on (for a listener whose
// address must be known before the process starts).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Sensor events published over MQTT to the embedded broker become a care
// alarm, and the alarm a task in the care unit's inbox: a real home's
// fortnight (the Ordóñez log of demo/data, through the demo's home-sensors
// connector) with the front door opened at 03:30 on the eleventh night.
func TestSensorEventsOverMQTTBecomeAnAlarmTaskInTheInbox(t *testing.T) {
	t.Parallel()
	wd := t.TempDir()
	mqttAddr := freeAddr(t)
	conns := filepath.Join(wd, "connectors")
	b, err := os.ReadFile(filepath.Join(repo(t), "demo", "connectors.d", "home-sensors.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	b = regexp.MustCompile(`(?m)^(\s*)broker:.*$`).ReplaceAll(b, []byte("${1}broker: tcp://"+mqttAddr))
	b = regexp.MustCompile(`(?m)^(\s*)client_id:.*$`).ReplaceAll(b, []byte("${1}client_id: civicbus-e2e-home-sensors"))
	writeFile(t, filepath.Join(conns, "home-sensors.yaml"), b)
	env := map[string]string{
		"CIVICBUS_CONNECTORS_DIR": conns,
		"CIVICBUS_DATASETS_DIR":   filepath.Join(wd, "no-datasets"),
		"CIVICBUS_RULES_DIR":      filepath.Join(wd, "no-rules"),
		"CIVICBUS_CASEWORK_USERS": filepath.Join(repo(t), "demo", "casework-users.yaml"),
	}
	p := start(t, wd, env, "run", "--http", "127.0.0.1:0", "--kafka-listen", "127.0.0.1:0", "--mqtt-listen", mqttAddr)
	base := p.base(t)
	if got := p.banner(t, "MQTT"); !strings.HasPrefix(got, "tcp://"+mqttAddr) {
		t.Fatalf("MQTT row %q, want tcp://%s", got, mqttAddr)
	}

	acts := ordonezWithNightDoor(t)
	c := client(t)
	waitFor(t, 60*time.Second, "the sensor connector subscribed", func() bool {
		return connectorStatus(t, c, base)["home-sensors"].State == "running"
	})
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	sent := time.Now()
	if err := replay.Replay(ctx, replay.Config{Broker: "tcp://" + mqttAddr, ResidentID: "res-e2e", ClientID: "e2e-replay"}, acts); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d activations published over MQTT in %s", len(acts), time.Since(sent).Round(time.Millisecond))

	// bo, of the care unit (hemtjänst), finds the door alarm's case in his
	// inbox: the model's decision to raise the alarm (name, version,
	// motivering) and an acknowledgement left to a person.
	bo := signIn(t, base, "/casework/", url.Values{"username": {"bo"}, "password": {"demo-bo"}})
	type caseRow struct {
		ID   string `json:"case_id"`
		Type string `json:"case_type"`
		Unit string `json:"org_unit_id"`
	}
	type caseDoc struct {
		Decisions []struct {
			StepID     string `json:"step_id"`
			Outcome    string `json:"outcome"`
			Motivering string `json:"motivering"`
			DecidedBy  struct {
				Kind, ID, Version string
			} `json:"decided_by"`
		} `json:"decisions"`
	}
	var alarm caseRow
	var doc caseDoc
	all := 0
	waitFor(t, 120*time.Second, "the night-door alarm's case in bo's inbox", func() bool {
		var list struct {
			Cases []caseRow `json:"cases"`
		}
		if !getJSON(t, bo, base+"/casework/api/cases?case_type=care-alarm", &list) {
			return false
		}
		all = len(list.Cases)
		for _, cs := range list.Cases {
			var d caseDoc
			if !getJSON(t, bo, base+"/casework/api/cases/"+cs.ID, &d) {
				continue
			}
			for _, dec := range d.Decisions {
				if dec.StepID == "raise-alarm" && strings.Contains(dec.Motivering, "Ytterdörren öppnades 03:30") {
					alarm, doc = cs, d
					return len(d.Decisions) >= 2
				}
			}
		}
		return false
	})
	t.Logf("the door alarm's case in the inbox %s after the replay began (%d care-alarm cases in all)", time.Since(sent).Round(time.Millisecond), all)
	if alarm.Type != "care-alarm" || alarm.Unit != "hemtjanst" {
		t.Errorf("the alarm's case: %+v, want a care-alarm in unit hemtjanst", alarm)
	}
	if code, inbox := get(bo, base+"/casework/"); code != http.StatusOK || !strings.Contains(inbox, "/casework/cases/"+alarm.ID) {
		t.Errorf("bo's inbox page (%d) does not link the alarm's case %s", code, alarm.ID)
	}
	var steps []string
	for _, d := range doc.Decisions {
		steps = append(steps, d.StepID+":"+d.Outcome)
		if d.DecidedBy.Kind != "model" || d.DecidedBy.ID == "" || d.DecidedBy.Version == "" || d.Motivering == "" {
			t.Errorf("decision on %s: %+v, want the model's name, version and a motivering", d.StepID, d)
		}
		if d.StepID == "acknowledge" && d.Outcome == "completed" {
			t.Error("the acknowledgement was completed by the model; a person must do it")
		}
	}
	t.Logf("alarm case %s: %v", alarm.ID, steps)

	// A preschool caseworker does not see it.
	anna := signIn(t, base, "/casework/", url.Values{"username": {"anna"}, "password": {"demo-anna"}})
	if code, _ := get(anna, base+"/casework/api/cases/"+alarm.ID); code == http.StatusOK {
		t.Error("anna (förskoleplacering) sees a care alarm")
	}
}

// ordonezWithNightDoor is the demo's real home log with the entrance door
// opened for 20 s at 03:30 on the eleventh night, in time order.
func ordonezWithNightDoor(t *testing.T) []replay.Activation {
	t.Helper()
	f, err := os.Open(filepath.Join(repo(t), "demo", "data", "ordonez", "OrdonezA_Sensors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	acts, err := replay.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(acts, func(a replay.Activation) bool { return a.Place == "Entrance" })
	if i < 0 {
		t.Fatal("no entrance sensor in the log")
	}
	door := acts[i]
	first := acts[0].Start.In(replay.Zone)
	door.Start = time.Date(first.Year(), first.Month(), first.Day()+10, 3, 30, 0, 0, replay.Zone)
	door.End = door.Start.Add(20 * time.Second)
	acts = append(acts, door)
	slices.SortFunc(acts, func(a, b replay.Activation) int { return a.Start.Compare(b.Start) })
	return acts
}
