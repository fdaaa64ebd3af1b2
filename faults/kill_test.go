package faults

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus"
)

// TestSIGKILLMidStream kills `civicbus run` with SIGKILL while a file of
// 100,000 weighings is going through it (the filedrop connector reading
// it, the open-data service applying it), starts it again on the same data
// dir, and counts: every event is on the topic (by id; the batch in flight
// at the kill may be there twice, with the same ids: the bus is
// at-least-once) and the dataset applied each exactly once (the service's
// own idempotency; the test deduplicates nothing there). A file of 20,000
// preschool applications goes through at the same time: the automation
// decides each exactly once (one decision id per application; a decision
// record may repeat on the topic with its id).
func TestSIGKILLMidStream(t *testing.T) {
	const n, batch, apps = 100_000, 500, 20_000
	w := newWorld(t, batch)
	data := filepath.Join(t.TempDir(), "data")
	args := []string{"run", "--data", data, "--http", "127.0.0.1:0", "--kafka-listen", "127.0.0.1:0"}

	first := startProc(t, "civicbus run (first)", w.work, w.env(), args...)
	conn := bus.Connection{Brokers: []string{first.banner("Kafka bootstrap")}}
	base := first.httpBase()
	began := time.Now()
	dropFile(t, w.drop, "waste.csv", wasteCSV(n, -1))
	dropFile(t, w.apps, "applications.csv", applicationsCSV(apps))
	waitFor(t, 90*time.Second, "20,000 events on the topic", func() bool {
		first.alive()
		return records(conn, wasteTopic) >= 20_000
	})
	applied, _ := datasetChanges(base)
	onTopic := records(conn, wasteTopic)
	decided := records(conn, decisionTopic)
	first.kill()
	t.Logf("SIGKILL after %s: at least %d records on the topic, %d applied to the dataset, %d decision records",
		time.Since(began).Round(time.Millisecond), onTopic, applied, decided)
	if w.processed("waste.csv") || onTopic >= n {
		t.Fatalf("the file was through before the kill (%d records): the test needs a longer stream", onTopic)
	}

	second := startProc(t, "civicbus run (after the kill)", w.work, w.env(), args...)
	conn = bus.Connection{Brokers: []string{second.banner("Kafka bootstrap")}}
	base = second.httpBase()
	waitFor(t, 150*time.Second, "the file in processed/", func() bool {
		second.alive()
		return w.processed("waste.csv")
	})
	waitCaughtUp(t, conn, "opendata", wasteTopic, 150*time.Second)
	waitFor(t, 150*time.Second, "the applications in processed/", func() bool {
		second.alive()
		_, err := os.Stat(filepath.Join(w.apps, "processed", "applications.csv"))
		return err == nil
	})
	waitCaughtUp(t, conn, "automation", appTopic, 150*time.Second)
	t.Logf("the whole stream through in %s", time.Since(began).Round(time.Millisecond))

	ids := topicIDs(t, conn, wasteTopic)
	if len(ids) != n {
		t.Errorf("%d distinct event ids on %s, want %d", len(ids), wasteTopic, n)
	}
	if d := dupes(ids); d > batch {
		t.Errorf("%d records sent twice: more than the batch in flight (%d)", d, batch)
	} else {
		t.Logf("%d records on the topic twice (the batch in flight at the kill, same ids)", d)
	}
	got, err := datasetChanges(base)
	if err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Errorf("the dataset applied %d events, want each of the %d exactly once", got, n)
	}
	if dl := records(conn, wasteTopic+".dlq"); dl > 0 {
		t.Errorf("%d dead letters, want none", dl)
	}

	// The automation: each application decided once. Its decision records
	// may repeat on the topic (at-least-once), with the same decision id.
	byCase := map[string]map[string]bool{}
	records := 0
	readTopic(t, conn, decisionTopic, func(id string, payload []byte) {
		var d struct {
			DecisionID string `json:"decision_id"`
			CaseID     string `json:"case_id"`
		}
		if err := json.Unmarshal(payload, &d); err != nil {
			t.Fatalf("decision %s: %v", id, err)
		}
		if byCase[d.CaseID] == nil {
			byCase[d.CaseID] = map[string]bool{}
		}
		byCase[d.CaseID][d.DecisionID] = true
		records++
	})
	missing, twice := 0, 0
	for i := range apps {
		switch len(byCase[applicationID(i)]) {
		case 0:
			missing++
		case 1:
		default:
			twice++
		}
	}
	if missing > 0 || twice > 0 || len(byCase) != apps {
		t.Errorf("decisions: %d applications undecided, %d decided more than once, %d cases; want each of %d decided once", missing, twice, len(byCase), apps)
	}
	t.Logf("%d decision records for %d applications (a repeat carries the same decision id)", records, apps)
	second.stop()
}
