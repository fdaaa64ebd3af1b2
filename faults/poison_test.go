package faults

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/dlq"
)

// TestPoisonMidPartition puts poison in the middle of the stream twice,
// through the whole product (`civicbus run`):
//
//   - a row of a dropped file whose total is not a number: the connector
//     dead-letters it with the file, line and field, and every other row of
//     the file becomes an event;
//   - an event that breaks its contract, written to the topic by a
//     producer that does not check (as a foreign system might), between
//     1,000 good events of the same partition key: the open-data service
//     dead-letters it with the rule it broke and applies every event after
//     it.
//
// The dataset counts every good event exactly once; the dead-letter topic
// holds exactly the two poisons, with their reasons and no value.
func TestPoisonMidPartition(t *testing.T) {
	const rows, badRow = 10_000, 5_000
	const keyed, poisonAt = 1_000, 500
	w := newWorld(t, 500)
	p := startProc(t, "civicbus run", w.work, w.env(),
		"run", "--data", filepath.Join(t.TempDir(), "data"), "--http", "127.0.0.1:0", "--kafka-listen", "127.0.0.1:0")
	conn := bus.Connection{Brokers: []string{p.banner("Kafka bootstrap")}}
	base := p.httpBase()

	// The file, with its bad row in the middle.
	dropFile(t, w.drop, "waste.csv", wasteCSV(rows, badRow))

	// One partition key: the good events and the poison in one partition,
	// in this order.
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/faults/foreign-system"})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var msgs []*message.Message
	poisonID := ""
	for i := range keyed {
		body := fmt.Sprintf(`{"kitchen_id":"foreign-kitchen","date":"%s","meal":"dinner","total_waste_kg":%d.25}`,
			time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly), 1+i%9)
		if i == poisonAt {
			body = `{"kitchen_id":"foreign-kitchen","date":"not a date","meal":"dinner","total_waste_kg":-3}`
		}
		m := message.NewMessage(fmt.Sprintf("00000000-0000-4000-8000-%012d", i), []byte(body))
		m.Metadata.Set(bus.MetadataPartitionKey, "foreign-kitchen")
		if i == poisonAt {
			poisonID = m.UUID
		}
		msgs = append(msgs, m)
	}
	if err := pub.Publish(wasteTopic, msgs...); err != nil {
		t.Fatal(err)
	}

	waitFor(t, 120*time.Second, "the file in processed/", func() bool {
		p.alive()
		return w.processed("waste.csv")
	})
	waitCaughtUp(t, conn, "opendata", wasteTopic, 120*time.Second)

	want := int64(rows - 1 + keyed - 1)
	got, err := datasetChanges(base)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("the dataset applied %d events, want %d: every good one once", got, want)
	}
	if ids := topicIDs(t, conn, wasteTopic); len(ids) != rows-1+keyed {
		t.Errorf("%d distinct ids on the topic, want %d (the file's good rows and the foreign events, poison included)", len(ids), rows-1+keyed)
	}

	var letters []dlq.Letter
	waitFor(t, 30*time.Second, "two dead letters", func() bool {
		letters, err = dlq.List(context.Background(), conn, wasteTopic)
		return err == nil && len(letters) >= 2
	})
	if len(letters) != 2 {
		t.Fatalf("%d dead letters, want the 2 poisons: %+v", len(letters), letters)
	}
	var fromFile, fromTopic *dlq.Letter
	for i := range letters {
		if letters[i].ID == poisonID {
			fromTopic = &letters[i]
		} else {
			fromFile = &letters[i]
		}
	}
	if fromTopic == nil {
		t.Fatalf("the poison event %s is not among the dead letters: %+v", poisonID, letters)
	}
	// The file's header is line 1: row i is on line i+2.
	wantLine := fmt.Sprintf("waste.csv:%d", badRow+2)
	if fromFile.Handler != "kitchen-waste" || !strings.Contains(fromFile.Error, wantLine) || !strings.Contains(fromFile.Error, "total_waste_kg") {
		t.Errorf("the bad row's dead letter: handler %q, error %q; want the connector, %s and the field", fromFile.Handler, fromFile.Error, wantLine)
	}
	if !strings.Contains(fromTopic.Handler, "opendata") || !strings.Contains(fromTopic.Error, "date") {
		t.Errorf("the poison event's dead letter: handler %q, error %q; want the open-data handler and the broken property", fromTopic.Handler, fromTopic.Error)
	}
	for _, l := range letters {
		if strings.Contains(l.Error, "plenty") || strings.Contains(l.Error, "not a date") {
			t.Errorf("dead letter %s repeats a value: %q", l.ID, l.Error)
		}
	}
	t.Logf("dead letters:\n  %s: %s\n  %s: %s", fromFile.Handler, fromFile.Error, fromTopic.Handler, fromTopic.Error)
	p.stop()
}
