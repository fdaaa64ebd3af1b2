package portal

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/schemas"
)

// TestHarvestsAnnouncedVersions publishes two versions through a real
// open-data service and sees the portal store both, rows and all, and
// store a redelivered announcement once.
func TestHarvestsAnnouncedVersions(t *testing.T) {
	for name, dsn := range storeDSNs(t) {
		t.Run(name, func(t *testing.T) {
			s := newStack(t, dsn(t))
			ctx := context.Background()
			s.feed(t, 2019)
			v1 := s.publishVersion(t)
			s.feed(t, 2020)
			v2 := s.publishVersion(t)

			d, err := s.portal.store.Dataset(ctx, popName)
			if err != nil {
				t.Fatal(err)
			}
			if d.ID != popID || d.Latest.Version != 2 || d.Latest.SHA256 != v2.SHA256 || d.Title.SV == "" {
				t.Fatalf("dataset %s latest %d sha %s title %q; want %s, 2, %s", d.ID, d.Latest.Version, d.Latest.SHA256, d.Title.SV, popID, v2.SHA256)
			}
			got, err := s.portal.store.Version(ctx, popID, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got.RowCount != v1.RowCount || got.SHA256 != v1.SHA256 || len(got.Report) == 0 {
				t.Errorf("version 1: %d rows sha %s; want %d, %s", got.RowCount, got.SHA256, v1.RowCount, v1.SHA256)
			}
			nulls, n := 0, int64(0)
			err = s.portal.store.Rows(ctx, popID, 2, 0, 0, func(no int64, r Row) error {
				n++
				if no != n || len(r) != len(v2.Columns) {
					t.Fatalf("row %d numbered %d with %d values", n, no, len(r))
				}
				if string(r[len(r)-1]) == "null" {
					nulls++
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != v2.RowCount || nulls == 0 {
				t.Errorf("version 2: %d rows, %d suppressed; want %d rows and some suppressed", n, nulls, v2.RowCount)
			}

			// A redelivered announcement changes nothing.
			added, err := s.portal.harvest.harvest(ctx, schemas.DatasetPublished{DatasetID: popID, Version: 1, SHA256: v1.SHA256})
			if err != nil || added {
				t.Errorf("harvesting version 1 again: added %v, %v; want false, nil", added, err)
			}
			count := 0
			s.portal.store.Rows(ctx, popID, 1, 0, 0, func(int64, Row) error { count++; return nil })
			if int64(count) != v1.RowCount {
				t.Errorf("version 1 has %d rows after a redelivery, want %d", count, v1.RowCount)
			}
		})
	}
}

// TestUnfetchableAnnouncementIsDeadLettered announces a dataset the
// open-data service does not know: after the retries the announcement is
// in the dead-letter topic, and nothing is stored.
func TestUnfetchableAnnouncementIsDeadLettered(t *testing.T) {
	s := newStack(t, dsnSQLite(t))
	ev := schemas.DatasetPublished{
		DatasetID: "0b3c9a61-2f4e-4d8a-9c1b-5e7f3a2d1c08", Version: 1, Title: "okänd", PublishedAt: time.Now().UTC(), RowCount: 1,
		Formats: []schemas.DatasetFormat{schemas.FormatCSV}, PrivacyReportURL: s.srv.URL + "/x/privacy-report.json",
	}
	payload, _ := json.Marshal(ev)
	msg := message.NewMessage("7d1f0c2e-9a3b-4c5d-8e6f-0a1b2c3d4e5f", payload)
	publishMsgs(t, s.conn, TopicPublished, msg)

	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: s.conn})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	letters, err := sub.Subscribe(ctx, middleware.DeadLetterTopic(TopicPublished))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-letters:
		m.Ack()
		if m.UUID != msg.UUID || m.Metadata.Get(middleware.HeaderDLQAttempts) != "3" {
			t.Errorf("dead letter %s after %s attempts (%s); want %s after 3", m.UUID, m.Metadata.Get(middleware.HeaderDLQAttempts), m.Metadata.Get(middleware.HeaderDLQError), msg.UUID)
		}
	case <-ctx.Done():
		t.Fatal("no dead letter")
	}
	if _, err := s.portal.store.Dataset(context.Background(), ev.DatasetID); err != ErrNotFound {
		t.Errorf("the unknown dataset: %v, want ErrNotFound", err)
	}
	resp, err := http.Get(s.srv.URL + "/datasets/" + ev.DatasetID + "/latest.csv")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("its download: %d, want 404", resp.StatusCode)
	}
}

// TestHarvestChecksRows fetches a real version's rows against a wrong
// checksum and a wrong count: the first is permanent (dead-lettered at
// once), the second retried.
func TestHarvestChecksRows(t *testing.T) {
	s := newStack(t, dsnSQLite(t))
	s.feed(t, 2019)
	v := s.publishVersion(t)
	ctx := context.Background()
	want := Version{DatasetID: popID, Version: v.Version, RowCount: v.RowCount, Columns: v.Columns, SHA256: v.SHA256}
	keep := func(Row) error { return nil }
	if err := s.portal.harvest.rows(ctx, want)(keep); err != nil {
		t.Fatalf("the right version: %v", err)
	}
	wrongSum := want
	wrongSum.SHA256 = strings.Repeat("0", 64)
	if err := s.portal.harvest.rows(ctx, wrongSum)(keep); err == nil || !middleware.IsPermanent(err) {
		t.Errorf("a wrong sha256: %v, want a permanent error", err)
	}
	wrongCount := want
	wrongCount.RowCount++
	if err := s.portal.harvest.rows(ctx, wrongCount)(keep); err == nil || middleware.IsPermanent(err) {
		t.Errorf("a wrong row count: %v, want a transient error", err)
	}
	if _, err := s.portal.harvest.harvest(ctx, schemas.DatasetPublished{DatasetID: popID, Version: v.Version, SHA256: wrongSum.SHA256}); !middleware.IsPermanent(err) {
		t.Errorf("an announcement whose sha256 the API contradicts: %v, want a permanent error", err)
	}
}
