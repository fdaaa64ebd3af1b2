package connectors_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas/contracts"
)

func TestRuntimeConfigErrors(t *testing.T) {
	_, err := connectors.NewRuntime(connectors.RuntimeConfig{})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"a name is required", "a source is required", "a mapping is required",
		"a publisher is required", "a contract is required", "a checkpoint store is required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// sliceSource reads its records one batch each; at the end it says
// ErrEndOfInput when finite, else waits for ctx. Seek fails with seekErr.
type sliceSource struct {
	records []connectors.Record
	next    int
	finite  bool
	seekErr error
}

func (s *sliceSource) Seek(pos string) error {
	if s.seekErr != nil {
		return s.seekErr
	}
	if pos != "" {
		n, err := strconv.Atoi(pos)
		if err != nil {
			return err
		}
		s.next = n
	}
	return nil
}

func (s *sliceSource) Connect(context.Context) error { return nil }

func (s *sliceSource) Read(ctx context.Context) (connectors.Batch, connectors.AckFunc, error) {
	if s.next < len(s.records) {
		s.next++
		return connectors.Batch{s.records[s.next-1]}, nil, nil
	}
	if s.finite {
		return nil, nil, connectors.ErrEndOfInput
	}
	<-ctx.Done()
	return nil, nil, ctx.Err()
}

func (s *sliceSource) Close(context.Context) error { return nil }

// runtimeOn is a Runtime for src that publishes food-waste events on the
// embedded broker, with its checkpoints in a SQLite file.
func runtimeOn(t *testing.T, src connectors.Source) *connectors.Runtime {
	t.Helper()
	ev := foodWaste(t)
	m, err := connectors.CompileMapping(connectors.MappingConfig{Fields: map[string]string{
		"kitchen_id": "row.kitchen", "date": "row.date", "total_waste_kg": "double(row.total)",
	}}, ev)
	if err != nil {
		t.Fatal(err)
	}
	conn := bus.Connection{Brokers: []string{testenv.Broker(t).Addr()}}
	ctx := context.Background()
	for _, tp := range []string{ev.Topic, ev.Topic + ".dlq"} {
		if _, err := bus.EnsureTopic(ctx, conn, tp, 1); err != nil {
			t.Fatal(err)
		}
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/civicbus/connectors/state-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pub.Close() })
	cp, err := connectors.OpenCheckpoints(ctx, filepath.Join(t.TempDir(), "checkpoints.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cp.Close() })
	c, err := contracts.Default()
	if err != nil {
		t.Fatal(err)
	}
	rt, err := connectors.NewRuntime(connectors.RuntimeConfig{Name: "state-test", Source: src, Mapping: m,
		Publisher: pub, Contract: c, Checkpoints: cp, MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func wasteRecords(n int) []connectors.Record {
	var recs []connectors.Record
	for i := range n {
		recs = append(recs, connectors.Record{Position: strconv.Itoa(i + 1),
			Fields: map[string]any{"kitchen": "k" + strconv.Itoa(i), "date": "2021-10-01", "total": "1.5"}})
	}
	return recs
}

// statusJSON is the status as the status API answers it.
func statusJSON(t *testing.T, s connectors.Status) map[string]any {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRuntimeEndStates: a finite source that reaches its end is finished
// (with when and how many), one stopped while it waits for more is stopped,
// and one whose Run fails is failed with the error; none is taken for
// another.
func TestRuntimeEndStates(t *testing.T) {
	t.Run("finished", func(t *testing.T) {
		rt := runtimeOn(t, &sliceSource{records: wasteRecords(3), finite: true})
		if st := rt.Status(); st.State != connectors.StateStarting || !st.EndedAt.IsZero() || st.State.Ended() {
			t.Fatalf("before Run: %+v", st)
		}
		before := time.Now()
		if err := rt.Run(t.Context()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		st := rt.Status()
		if st.State != connectors.StateFinished || !st.State.Ended() {
			t.Errorf("state %q, want finished", st.State)
		}
		if st.RecordsIn != 3 || st.RecordsOut != 3 || st.Failed != 0 || st.LastError != "" {
			t.Errorf("finished with in %d out %d failed %d, last error %q; want 3, 3, 0, none", st.RecordsIn, st.RecordsOut, st.Failed, st.LastError)
		}
		if st.EndedAt.Before(before) || st.EndedAt.After(time.Now()) {
			t.Errorf("ended at %v, not during Run", st.EndedAt)
		}
		m := statusJSON(t, st)
		if m["state"] != "finished" || m["ended_at"] == nil || m["records_out"] != 3.0 {
			t.Errorf("JSON %v", m)
		}
	})
	t.Run("stopped", func(t *testing.T) {
		rt := runtimeOn(t, &sliceSource{records: wasteRecords(2)})
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 1)
		go func() { errc <- rt.Run(ctx) }()
		deadline := time.Now().Add(60 * time.Second)
		for rt.Status().RecordsOut < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("the records were not published: %+v", rt.Status())
			}
			time.Sleep(10 * time.Millisecond)
		}
		if st := rt.Status(); st.State != connectors.StateRunning || st.State.Ended() || !st.EndedAt.IsZero() {
			t.Errorf("waiting for more: %+v, want running", st)
		}
		cancel()
		if err := <-errc; err != nil {
			t.Fatalf("Run: %v", err)
		}
		st := rt.Status()
		if st.State != connectors.StateStopped || st.EndedAt.IsZero() || st.LastError != "" {
			t.Errorf("after stop: %+v, want stopped, ended, no error", st)
		}
	})
	t.Run("failed", func(t *testing.T) {
		rt := runtimeOn(t, &sliceSource{records: wasteRecords(1), finite: true, seekErr: errors.New("position format unknown")})
		err := rt.Run(t.Context())
		if err == nil || !strings.Contains(err.Error(), "position format unknown") {
			t.Fatalf("Run = %v, want the seek error", err)
		}
		st := rt.Status()
		if st.State != connectors.StateFailed || !st.State.Ended() || st.EndedAt.IsZero() || st.RecordsIn != 0 {
			t.Errorf("after a failed seek: %+v, want failed, ended, nothing read", st)
		}
		if !strings.Contains(st.LastError, "position format unknown") || st.LastErrorAt.IsZero() {
			t.Errorf("last error %q at %v, want the seek error", st.LastError, st.LastErrorAt)
		}
		if m := statusJSON(t, st); m["state"] != "failed" || m["last_error"] == nil {
			t.Errorf("JSON %v", m)
		}
	})
	t.Run("cancelled while failing is stopped", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		rt := runtimeOn(t, &sliceSource{seekErr: errors.New("seek")})
		_ = rt.Run(ctx) // the checkpoint load sees the ended context
		if st := rt.Status(); st.State != connectors.StateStopped {
			t.Errorf("state %q after a stop, want stopped", st.State)
		}
	})
}
