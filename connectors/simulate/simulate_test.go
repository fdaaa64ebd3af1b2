package simulate

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors"
)

var scenarios = []string{"preschool-applications", "case-opened", "case-step-completed", "case-closed", "meal-purchases", "meal-portions", "population-register"}

func newTestSource(t testing.TB, cfg Config) *Source {
	t.Helper()
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// readAll reads s until the end of input.
func readAll(t testing.TB, s *Source) []connectors.Record {
	t.Helper()
	var out []connectors.Record
	for {
		b, ack, err := s.Read(context.Background())
		if errors.Is(err, connectors.ErrEndOfInput) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 || len(b) > s.cfg.BatchSize {
			t.Fatalf("a batch of %d records, batch_size %d", len(b), s.cfg.BatchSize)
		}
		if err := ack(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
}

// same reports the first index where a and b differ in key, position or
// raw record, or -1.
func same(a, b []connectors.Record) int {
	for i := range min(len(a), len(b)) {
		if a[i].Key != b[i].Key || a[i].Position != b[i].Position || string(a[i].Raw) != string(b[i].Raw) {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// TestDeterministic: the same seed and config give exactly the same records
// in the same order; another seed gives other records.
func TestDeterministic(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc, func(t *testing.T) {
			cfg := Config{Scenario: sc, Seed: 7, Start: "2024-02-20", End: "2024-04-10", BatchSize: 37}
			a, b := readAll(t, newTestSource(t, cfg)), readAll(t, newTestSource(t, cfg))
			if len(a) < 50 {
				t.Fatalf("%d records in seven weeks", len(a))
			}
			if i := same(a, b); i >= 0 {
				t.Fatalf("two runs differ at record %d of %d", i, len(a))
			}
			cfg.Seed = 8
			if i := same(a, readAll(t, newTestSource(t, cfg))); i != 0 {
				t.Errorf("seeds 7 and 8: the first difference is at record %d, want 0", i)
			}
			keys := map[string]bool{}
			for _, r := range a {
				if keys[r.Key] {
					t.Fatalf("key %s twice", r.Key)
				}
				keys[r.Key] = true
				if r.Fields["_simulated"] != true || r.Fields["_scenario"] != sc {
					t.Fatalf("record %s is not labelled: %v", r.Key, r.Fields)
				}
			}
		})
	}
}

// TestSeekResumes: seeking to any record's position yields exactly the
// records after it, as an uninterrupted read does.
func TestSeekResumes(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc, func(t *testing.T) {
			cfg := Config{Scenario: sc, Seed: 3, Start: "2024-05-27", End: "2024-06-16", BatchSize: 10}
			all := readAll(t, newTestSource(t, cfg))
			if len(all) < 20 {
				t.Fatalf("%d records", len(all))
			}
			for _, i := range []int{0, 1, len(all) / 3, len(all) / 2, len(all) - 2, len(all) - 1} {
				s := newTestSource(t, cfg)
				if err := s.Seek(all[i].Position); err != nil {
					t.Fatal(err)
				}
				if j := same(all[i+1:], readAll(t, s)); j >= 0 {
					t.Fatalf("after seeking to record %d (%s) the records differ at %d", i, all[i].Position, j)
				}
			}
		})
	}
}

// TestSeekBeforeStart: a checkpoint from before start (start was moved
// later) reads from start.
func TestSeekBeforeStart(t *testing.T) {
	cfg := Config{Scenario: "preschool-applications", Seed: 2, Start: "2024-04-01", End: "2024-04-07"}
	want := readAll(t, newTestSource(t, cfg))
	s := newTestSource(t, cfg)
	if err := s.Seek("2024-03-15/3"); err != nil {
		t.Fatal(err)
	}
	if i := same(want, readAll(t, s)); i >= 0 {
		t.Errorf("after seeking before start, the records differ at %d", i)
	}
}

func TestSeekBadPosition(t *testing.T) {
	s := newTestSource(t, Config{Scenario: "case-closed", Start: "2024-01-01", End: "2024-01-02"})
	for _, pos := range []string{"2024-01-01", "2024-13-01/2", "2024-01-01/x", "2024-01-01/-1"} {
		if err := s.Seek(pos); err == nil || !strings.Contains(err.Error(), "is not day/index") {
			t.Errorf("Seek(%q) = %v", pos, err)
		}
	}
}

// TestLag counts the simulated days left.
func TestLag(t *testing.T) {
	s := newTestSource(t, Config{Scenario: "preschool-applications", Start: "2024-03-01", End: "2024-03-31", BatchSize: 1})
	if _, _, err := s.Read(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s.Lag(); got != 31 {
		t.Errorf("lag after the first record of 1 March: %d days, want 31", got)
	}
	readAll(t, s)
	if got := s.Lag(); got != 0 {
		t.Errorf("lag at the end: %d", got)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want []string
	}{
		{Config{}, []string{`scenario: "" is not one of`, "start: required", "end: required unless follow"}},
		{Config{Scenario: "weather", Start: "2024-01-01", End: "2024-01-02"}, []string{`scenario: "weather" is not one of case-closed`}},
		{Config{Scenario: "case-opened", Start: "2024-02-30", End: "x"}, []string{`start: "2024-02-30" is not a date`, `end: "x" is not a date`}},
		{Config{Scenario: "case-opened", Start: "2024-02-03", End: "2024-02-01"}, []string{"end: before start"}},
		{Config{Scenario: "case-opened", Start: "2024-02-03", Follow: true, Speed: -1, Volume: 101, BatchSize: 10001}, []string{"speed: must be positive", "volume: must be above 0", "batch_size: must be 1 to 10000"}},
	} {
		_, err := New(tc.cfg, nil)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: error %v; want it to say %q", tc.cfg, err, w)
			}
		}
	}
	if _, err := New(Config{Scenario: "meal-purchases", Start: "2024-01-01", Follow: true}, nil); err != nil {
		t.Errorf("follow without end: %v", err)
	}
}

// TestFollowPaces: with follow, a record is read only when the simulated
// clock (speed × the time since the first record) has reached it.
func TestFollowPaces(t *testing.T) {
	const speed = 3600
	s := newTestSource(t, Config{Scenario: "preschool-applications", Seed: 1, Start: "2024-03-04", Follow: true, Speed: speed, BatchSize: 100})
	wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return wall }
	first, _, err := s.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	at := func(r connectors.Record) time.Time {
		v, err := time.Parse(time.RFC3339, r.Fields["submitted_at"].(string))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	t0 := at(first[0])
	for _, r := range first {
		if !at(r).Equal(t0) {
			t.Fatalf("at the start a record of %v was read, %v after the first", at(r), at(r).Sub(t0))
		}
	}
	next := s.items[s.idx]
	wait := s.due(next.at)
	if want := time.Duration(math.Ceil(float64(next.at.Sub(s.anchorSim)) / speed)); wait != want || wait <= 0 {
		t.Fatalf("the next record is due in %v, want %v", wait, want)
	}
	wall = wall.Add(wait)
	b, _, err := s.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	simNow := s.simNow()
	for _, r := range b {
		if at(r).After(simNow) {
			t.Errorf("a record of %v was read at simulated %v", at(r), simNow)
		}
	}
	if len(b) == 0 || !slices.ContainsFunc(b, func(r connectors.Record) bool { return r.Key == next.key }) {
		t.Errorf("the record due was not read: %d records", len(b))
	}
}
