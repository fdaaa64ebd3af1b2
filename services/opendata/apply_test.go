package opendata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/embedded"
	"github.com/vasteras/civicbus/internal/sqldb"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/services/opendata/release"
)

// TestGroupCommitAppliesEachEventOnce: many callers at once, each event
// sent by two of them, share transactions (fewer transactions than calls)
// and every event counts once, in its cell and in the dataset's count.
func TestGroupCommitAppliesEachEventOnce(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const callers, perCaller = 16, 50
		d := fmt.Sprintf("d-%p", s) // PostgreSQL's tables outlive the test
		var wg sync.WaitGroup
		var applied sync.Map
		errs := make(chan error, callers)
		for c := range callers {
			wg.Go(func() {
				for i := range perCaller {
					// Caller c and caller c^1 send the same events.
					ev := fmt.Sprintf("e-%d-%d", c/2, i)
					n, err := s.Apply(ctx, []Change{{DatasetID: d, EventID: ev, Group: []any{"cell", int64(i % 5)}, Fold: add(1)}})
					if err != nil {
						errs <- err
						return
					}
					if n == 1 {
						if _, dup := applied.LoadOrStore(ev, true); dup {
							errs <- fmt.Errorf("event %s reported applied twice", ev)
							return
						}
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		const events = callers / 2 * perCaller
		if n, _ := s.Changes(ctx, d); n != events {
			t.Fatalf("%d changes counted, want %d", n, events)
		}
		cells, err := s.Cells(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, c := range cells {
			total += c.Agg.N
			if c.Agg.Sum["x"] != float64(c.Agg.N) {
				t.Errorf("cell %v: n %d, sum %v", c.Group, c.Agg.N, c.Agg.Sum["x"])
			}
		}
		if len(cells) != 5 || total != events {
			t.Fatalf("%d cells holding %d events, want 5 holding %d", len(cells), total, events)
		}
		if txs, calls := s.gc.txs.Load(), s.gc.calls.Load(); txs >= calls {
			t.Errorf("%d transactions for %d calls: none shared", txs, calls)
		}
	})
}

// TestGroupCommitClosedMidBatch: the store closed while callers are
// applying (a transaction under way is cancelled): a call answered without
// an error was committed, and applying everything again on the reopened
// store (the redelivery) leaves every event counted exactly once.
func TestGroupCommitClosedMidBatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	ctx := context.Background()
	s, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	const callers, perCaller = 8, 400
	change := func(c, i int) Change {
		return Change{DatasetID: "d", EventID: fmt.Sprintf("e-%d-%d", c, i), Group: []any{int64(i % 7)}, Fold: add(1)}
	}
	var mu sync.Mutex
	committed := 0
	var wg sync.WaitGroup
	started := make(chan struct{}, callers*perCaller)
	for c := range callers {
		wg.Go(func() {
			for i := range perCaller {
				n, err := s.Apply(ctx, []Change{change(c, i)})
				if err != nil {
					if !errors.Is(err, ErrClosed) && !errors.Is(err, context.Canceled) {
						t.Errorf("apply while closing: %v", err)
					}
					return
				}
				mu.Lock()
				committed += n
				mu.Unlock()
				started <- struct{}{}
			}
		})
	}
	for range callers * perCaller / 4 {
		<-started
	}
	s.Close()
	wg.Wait()
	mu.Lock()
	acked := committed
	mu.Unlock()
	if acked == callers*perCaller {
		t.Fatal("every call finished before the store closed: nothing was cut")
	}

	s, err = OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, err := s.Changes(ctx, "d")
	if err != nil {
		t.Fatal(err)
	}
	if n < int64(acked) {
		t.Fatalf("%d changes stored, but %d calls were answered applied", n, acked)
	}
	var all []Change
	for c := range callers {
		for i := range perCaller {
			all = append(all, change(c, i))
		}
	}
	again, err := s.Apply(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	if int64(again)+n != callers*perCaller {
		t.Fatalf("redelivery applied %d after %d stored; want %d in all", again, n, callers*perCaller)
	}
	cells, err := s.Cells(ctx, "d")
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, c := range cells {
		total += c.Agg.N
	}
	if total != callers*perCaller {
		t.Fatalf("cells hold %d events, want %d", total, callers*perCaller)
	}
}

// TestServiceStoppedMidStreamAppliesOnce: 3,000 weighings over 16
// partitions; the service is stopped part way (its batch under way
// cancelled, its offsets partly committed), a second one takes over the
// same database and consumer group, and some events are published again.
// Every weighing is in its cell once: the counts and sums are exact.
func TestServiceStoppedMidStreamAppliesOnce(t *testing.T) {
	br := testenv.BrokerWith(t, embedded.Config{DataDir: t.TempDir(), Partitions: 16})
	conn := bus.Connection{Brokers: []string{br.Addr()}}
	cfg := Config{Dir: demoDef(t, "food-waste-per-kitchen.yaml"), Conn: conn, DB: filepath.Join(t.TempDir(), "state.db")}
	const n = 3000
	msgs, err := wasteEvents(0, n)
	if err != nil {
		t.Fatal(err)
	}
	start := func() (*Service, func()) {
		ctx, cancel := context.WithCancel(context.Background())
		s, err := New(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		return s, func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
			s.Close()
		}
	}
	s, stop := start()
	publishAll(t, conn, msgs)
	waitFor(t, "a part applied", func() bool {
		c, _ := s.store.Changes(context.Background(), wasteDataset)
		return c >= n/5
	})
	stop()

	s, stop = start()
	defer stop()
	// Redelivered by a source: the first thousand again, same ids.
	again, err := wasteEvents(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	publishAll(t, conn, again)
	ctx := context.Background()
	waitFor(t, "every weighing applied", func() bool {
		c, _ := s.store.Changes(ctx, wasteDataset)
		return c >= n
	})
	// The republished thousand arrive after; wait until the partitions
	// are read to their end: the consumer group's lag is none.
	waitFor(t, "the redeliveries read", func() bool {
		lag, err := groupLag(ctx, conn)
		return err == nil && lag == 0
	})
	if c, _ := s.store.Changes(ctx, wasteDataset); c != n {
		t.Fatalf("%d changes, want %d", c, n)
	}
	cells, err := s.store.Cells(ctx, wasteDataset)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]release.Agg{}
	for _, m := range msgs {
		var ev struct {
			Kitchen string  `json:"kitchen_id"`
			Date    string  `json:"date"`
			Meal    string  `json:"meal"`
			Total   float64 `json:"total_waste_kg"`
		}
		if err := json.Unmarshal(m.Payload, &ev); err != nil {
			t.Fatal(err)
		}
		k := ev.Kitchen + "/" + ev.Date + "/" + ev.Meal
		a := want[k]
		a.N++
		if a.Sum == nil {
			a.Sum = map[string]float64{}
		}
		a.Sum["total_waste_kg"] += ev.Total
		want[k] = a
	}
	if len(cells) != len(want) {
		t.Fatalf("%d cells, want %d", len(cells), len(want))
	}
	for _, c := range cells {
		k := fmt.Sprintf("%v/%v/%v", c.Group[0], c.Group[1], c.Group[2])
		w := want[k]
		if c.Agg.N != w.N || c.Agg.Sum["total_waste_kg"] != w.Sum["total_waste_kg"] {
			t.Errorf("cell %s: %d weighings, %v kg; want %d, %v", k, c.Agg.N, c.Agg.Sum["total_waste_kg"], w.N, w.Sum["total_waste_kg"])
		}
	}
}

// groupLag is how many records of the food-waste topic the service's
// consumer group has not committed past.
func groupLag(ctx context.Context, conn bus.Connection) (int64, error) {
	parts, err := bus.Partitions(ctx, conn, wasteTopic)
	if err != nil {
		return 0, err
	}
	t := conn.Transport()
	defer t.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(conn.Brokers...), Timeout: 10 * time.Second, Transport: t}
	ends := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	fetch := &kafka.OffsetFetchRequest{GroupID: ConsumerGroup, Topics: map[string][]int{}}
	for _, p := range parts {
		ends.Topics[wasteTopic] = append(ends.Topics[wasteTopic], kafka.LastOffsetOf(p))
		fetch.Topics[wasteTopic] = append(fetch.Topics[wasteTopic], p)
	}
	er, err := client.ListOffsets(ctx, ends)
	if err != nil {
		return 0, err
	}
	fr, err := client.OffsetFetch(ctx, fetch)
	if err != nil {
		return 0, err
	}
	if fr.Error != nil {
		return 0, fr.Error
	}
	committed := map[int]int64{}
	for _, po := range fr.Topics[wasteTopic] {
		if po.Error != nil {
			return 0, po.Error
		}
		committed[po.Partition] = max(po.CommittedOffset, 0)
	}
	var lag int64
	for _, po := range er.Topics[wasteTopic] {
		if po.Error != nil {
			return 0, po.Error
		}
		lag += po.LastOffset - committed[po.Partition]
	}
	return lag, nil
}

// TestApplyWaitsForAnotherWriter: while another connection holds SQLite's
// write lock (another service of the process), a batch waits for it and
// then commits; it neither fails at once nor gives up.
func TestApplyWaitsForAnotherWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	other, err := sqldb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE other_service (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Apply(ctx, []Change{{DatasetID: "d", EventID: "e1", RowKey: "k", Row: []any{"v"}}})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Apply returned while another writer held the lock: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("after the other writer committed: %v", err)
	}
	if n, _ := s.Changes(ctx, "d"); n != 1 {
		t.Fatalf("%d changes, want 1", n)
	}
}

// TestReplicasShareCells: two stores on one PostgreSQL database (two
// replicas of the service) adding to the same cells at once lose no
// contribution.
func TestReplicasShareCells(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	ctx := context.Background()
	var replicas [2]*Store
	for i := range replicas {
		s, err := OpenStore(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		replicas[i] = s
	}
	d := fmt.Sprintf("replicas-%d", time.Now().UnixNano())
	const perCaller, callers = 100, 8
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for c := range callers {
		wg.Go(func() {
			s := replicas[c%2]
			for i := range perCaller {
				if _, err := s.Apply(ctx, []Change{{DatasetID: d, EventID: fmt.Sprintf("e-%d-%d", c, i), Group: []any{int64(i % 3)}, Fold: add(1)}}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	cells, err := replicas[0].Cells(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, c := range cells {
		total += c.Agg.N
	}
	if total != callers*perCaller {
		t.Fatalf("cells hold %d contributions, want %d", total, callers*perCaller)
	}
	if n, _ := replicas[1].Changes(ctx, d); n != callers*perCaller {
		t.Fatalf("%d changes counted, want %d", n, callers*perCaller)
	}
}
