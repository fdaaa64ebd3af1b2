package faults

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/embedded"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestBrokerStopAndStartMidStream runs every service (`civicbus run
// --brokers`) against a Kafka-protocol broker the test owns, stops the
// broker in the middle of a 50,000-event stream, keeps it down for 5 s and
// starts it again on the same address and data: the connector and the
// open-data service carry on by themselves, every event is on the topic
// and the dataset applied each exactly once.
func TestBrokerStopAndStartMidStream(t *testing.T) {
	const n, batch = 50_000, 500
	kafkaDir := t.TempDir()
	broker := testenv.BrokerWith(t, embedded.Config{DataDir: kafkaDir})
	addr := broker.Addr()
	conn := bus.Connection{Brokers: []string{addr}}

	w := newWorld(t, batch)
	p := startProc(t, "civicbus run --brokers", w.work, w.env(),
		"run", "--data", filepath.Join(t.TempDir(), "data"), "--http", "127.0.0.1:0", "--brokers", addr)
	base := p.httpBase()
	waitFor(t, 60*time.Second, "the connectors' and the open-data service's start", func() bool {
		_, err := datasetChanges(base)
		return err == nil
	})
	dropFile(t, w.drop, "waste.csv", wasteCSV(n, -1))
	waitFor(t, 90*time.Second, "10,000 events on the topic", func() bool {
		p.alive()
		return records(conn, wasteTopic) >= 10_000
	})
	onTopic := records(conn, wasteTopic)
	applied, _ := datasetChanges(base)
	broker.Close()
	t.Logf("broker stopped with %d records on the topic, %d applied", onTopic, applied)
	if onTopic >= n {
		t.Fatalf("the stream was through before the broker stopped")
	}
	time.Sleep(5 * time.Second) // the outage: nothing is asserted about its length
	p.alive()
	restarted := testenv.BrokerWith(t, embedded.Config{Listen: addr, DataDir: kafkaDir})
	if restarted.Addr() != addr {
		t.Fatalf("the broker came back on %s, not %s", restarted.Addr(), addr)
	}
	if got := records(conn, wasteTopic); got < onTopic {
		t.Fatalf("the restarted broker has %d records, fewer than the %d before the stop", got, onTopic)
	}

	waitFor(t, 150*time.Second, "the file in processed/", func() bool {
		p.alive()
		return w.processed("waste.csv")
	})
	waitCaughtUp(t, conn, "opendata", wasteTopic, 150*time.Second)
	ids := topicIDs(t, conn, wasteTopic)
	if len(ids) != n {
		t.Errorf("%d distinct event ids on %s, want %d", len(ids), wasteTopic, n)
	}
	t.Logf("%d records on the topic twice (a batch whose acknowledgement the stop cut off, same ids)", dupes(ids))
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
	p.stop()
}
