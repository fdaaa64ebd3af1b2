package opendata

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/dlq"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
)

// demoDef copies one of the demo definitions into a directory of its own.
func demoDef(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "demo", "datasets.d", name))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func publish(t *testing.T, conn bus.Connection, topic string, events []any, ids []string) {
	t.Helper()
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/test"})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var msgs []*message.Message
	for i, e := range events {
		payload, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, message.NewMessage(ids[i], payload))
	}
	if err := pub.Publish(topic, msgs...); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// population makes SCB-like rows: persons per age and sex in two
// municipalities; the 95+ band holds 2 persons: a small cell.
func population() ([]any, []string) {
	var events []any
	var ids []string
	for _, area := range []struct{ code, name string }{{"1980", "Västerås"}, {"1904", "Skinnskatteberg"}} {
		for age := 0; age <= 100; age++ {
			for _, sex := range []schemas.Sex{schemas.SexFemale, schemas.SexMale} {
				persons := 1800 - 15*age
				if area.code == "1904" {
					persons /= 40
				}
				if age >= 95 { // the 95+ band holds 2: a small cell
					persons = 0
					if age == 100 {
						persons = 2
					}
				}
				events = append(events, schemas.PopulationByAge{
					Area:          schemas.Area{AreaCode: area.code, AreaName: area.name},
					ReferenceDate: "2019-12-31", Age: age, Sex: sex, Persons: max(persons, 0),
				})
				ids = append(ids, fmt.Sprintf("%08d-0000-4000-8000-%012d", age, len(ids)))
			}
		}
	}
	return events, ids
}

func TestServicePublishesAnonymisedVersions(t *testing.T) {
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := Config{Dir: demoDef(t, "population-by-age-band.yaml"), Conn: conn, DB: filepath.Join(t.TempDir(), "state.db"), BaseURL: "https://data.example.se"}
	s, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Mount(mux)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	events, ids := population()
	publish(t, conn, "population.population-by-age.v1", events, ids)
	// Half again: redelivered events must not count twice.
	publish(t, conn, "population.population-by-age.v1", events[:len(events)/2], ids[:len(ids)/2])
	waitFor(t, "every event applied", func() bool {
		n, _ := s.store.Changes(ctx, "3b7e6a52-41f0-4c1e-9d7a-2f5c8e1a9b01")
		return n == int64(len(events))
	})

	v, err := s.Publish(ctx, "population-by-age-band")
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != 1 || v.RowCount != 2*20*2 {
		t.Fatalf("version %d with %d rows; want version 1 with 80 (2 areas × 20 bands × 2 sexes)", v.Version, v.RowCount)
	}
	// Västerås's total over all bands is the sum of the events', whatever
	// was suppressed: check one band that is not small.
	resp, err := http.Get(srv.URL + "/api/opendata/datasets/population-by-age-band/versions/1/rows")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	found, suppressed := false, 0
	for dec.More() {
		var row map[string]any
		if err := dec.Decode(&row); err != nil {
			t.Fatal(err)
		}
		if row["persons"] == nil {
			suppressed++
			continue
		}
		if row["area_code"] == "1980" && row["age_band"] == "0-4" && row["sex"] == "female" {
			found = true
			if row["persons"] != float64(1800+1785+1770+1755+1740) {
				t.Errorf("Västerås 0-4 female: %v persons", row["persons"])
			}
		}
		if p, ok := row["persons"].(float64); ok && p < 5 && p > 0 {
			t.Errorf("a small cell was published: %v", row)
		}
	}
	if !found {
		t.Error("the 0-4 band of Västerås is missing")
	}
	if suppressed == 0 {
		t.Error("no cell suppressed, but the 95+ bands hold 2 persons")
	}

	// The announcement is on the bus, valid and pointing at the report.
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	msgs, err := sub.Subscribe(ctx, TopicPublished)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-msgs:
		var ev schemas.DatasetPublished
		if err := json.Unmarshal(m.Payload, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Version != 1 || ev.RowCount != 80 || ev.SHA256 != v.SHA256 || !strings.HasSuffix(ev.PrivacyReportURL, "/versions/1/privacy-report.json") {
			t.Errorf("announcement %+v", ev)
		}
		m.Ack()
	case <-time.After(30 * time.Second):
		t.Fatal("no dataset-published event")
	}

	if _, err := s.Publish(ctx, "population-by-age-band"); err != ErrNoChange {
		t.Errorf("publishing again without changes: %v, want ErrNoChange", err)
	}
	resp2, err := http.Get(srv.URL + "/api/opendata/datasets/3b7e6a52-41f0-4c1e-9d7a-2f5c8e1a9b01/versions/1/privacy-report.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	var report map[string]any
	if err := json.NewDecoder(resp2.Body).Decode(&report); err != nil || resp2.StatusCode != 200 {
		t.Fatalf("privacy report: %d %v", resp2.StatusCode, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestBadEventsAndNewFields: an event a dataset cannot turn into a row goes
// to the dead-letter topic naming the dataset and the column, not the value,
// while the good ones are applied; a field nobody classified is kept out
// and listed for a person to classify.
func TestBadEventsAndNewFields(t *testing.T) {
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The demo's definition, made strict: every event must have diners.
	dir := demoDef(t, "food-waste-per-kitchen.yaml")
	def := filepath.Join(dir, "food-waste-per-kitchen.yaml")
	src, _ := os.ReadFile(def)
	strict := strings.Replace(string(src), `expr: 'has(event.diners) ? dyn(int(event.diners)) : null'`, `expr: int(event.diners)`, 1)
	if strict == string(src) {
		t.Fatal("the demo definition changed: update this test")
	}
	os.WriteFile(def, []byte(strict), 0o644)
	s, err := New(ctx, Config{Dir: dir, Conn: conn, DB: filepath.Join(t.TempDir(), "state.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	good := func(day int) map[string]any {
		return map[string]any{"kitchen_id": "kok-12", "date": fmt.Sprintf("2024-03-%02d", day), "total_waste_kg": 12.5, "meal": "lunch", "diners": 180}
	}
	bad := good(3)
	delete(bad, "diners") // valid for the contract, which has diners optional
	withNew := good(4)
	withNew["chef_name"] = "Anna Andersson" // a field a new event version brings
	publish(t, conn, "meals.food-waste.v1", []any{good(1), good(2), bad, withNew},
		[]string{"00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002", "00000000-0000-4000-8000-000000000003", "00000000-0000-4000-8000-000000000004"})
	const id = "4c2e8b1d-93a7-4f50-8e6d-1b7c9a3f5e02"
	waitFor(t, "the three good events", func() bool {
		n, _ := s.store.Changes(ctx, id)
		return n == 3
	})
	var letters []dlq.Letter
	waitFor(t, "the bad event's dead letter", func() bool {
		letters, _ = dlq.List(ctx, conn, "meals.food-waste.v1")
		return len(letters) == 1
	})
	if e := letters[0].Error; !strings.Contains(e, "dataset food-waste-per-kitchen: column diners") || strings.Contains(e, "kok-12") {
		t.Errorf("dead letter reason %q: want the dataset and column, never the value", e)
	}
	un, err := s.store.Unclassified(ctx, id)
	if err != nil || len(un) != 1 || un[0] != "meals.food-waste.v1/chef_name" {
		t.Errorf("unclassified %v %v", un, err)
	}
	out, err := s.Preview(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range out.Columns {
		if c == "chef_name" {
			t.Error("an unclassified field reached the dataset")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
