package automation

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
)

// BenchmarkEventToDecision drives preschool applications through the bus
// into the automation service with the worked preschool rules (4 decisions
// an application, 2 of them after a register lookup) and measures, per
// application, the time from its publication to the receipt of its last
// decision record, on the embedded broker over loopback. It reports
// applications/s and the p50 and p99 latency. b.N applications are sent at
// CIVICBUS_BENCH_RATE a second (default 100; 0 sends as fast as the
// publisher takes them), in batches of 10.
//
//	go test -run '^$' -bench EventToDecision -benchtime 3000x ./services/automation/
//	CIVICBUS_BENCH_RATE=0 go test -run '^$' -bench EventToDecision -benchtime 3000x ./services/automation/
func BenchmarkEventToDecision(b *testing.B) {
	br := testenv.Broker(b)
	conn := bus.Connection{Brokers: []string{br.Addr()}}
	ctx := context.Background()
	for _, t := range []string{"school.preschool-application.v1", TopicDecision, TopicStepCompleted} {
		if _, err := bus.EnsureTopic(ctx, conn, t, 4); err != nil {
			b.Fatal(err)
		}
	}
	s, err := New(ctx, Config{RulesDir: filepath.Join("rules", "testdata", "examples", "preschool"), Conn: conn, DB: filepath.Join(b.TempDir(), "a.db")})
	if err != nil {
		b.Fatal(err)
	}
	for i := range b.N {
		if err := s.store.put(ctx, ProjectionRegister, pnr(i), map[string]any{
			"register_event_id": fmt.Sprintf("navet-%d", i), "personnummer": pnr(i), "birth_date": "2023-03-14",
			"moved_in_on": "2023-03-20", "municipality_code": "1980",
		}); err != nil {
			b.Fatal(err)
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	defer func() { cancel(); <-done; s.Close() }()

	var mu sync.Mutex
	sent := map[string]time.Time{}
	got := map[string]int{}
	var lat []time.Duration
	all := make(chan struct{})
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn, InitialOffset: bus.OffsetNewest})
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Close()
	ch, err := sub.Subscribe(runCtx, TopicDecision)
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for m := range ch {
			var d schemas.DecisionRecorded
			json.Unmarshal(m.Payload, &d)
			m.Ack()
			mu.Lock()
			got[d.TriggerEventID]++
			if got[d.TriggerEventID] == 4 {
				lat = append(lat, time.Since(sent[d.TriggerEventID]))
				if len(lat) == b.N {
					close(all)
				}
			}
			mu.Unlock()
		}
	}()
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	time.Sleep(2 * time.Second) // the service's consumer group joins
	b.ResetTimer()
	start := time.Now()
	rate := 100
	if v := os.Getenv("CIVICBUS_BENCH_RATE"); v != "" {
		if rate, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < b.N; i += 10 {
		if rate > 0 {
			if wait := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); wait > 0 {
				time.Sleep(wait)
			}
		}
		var msgs []*message.Message
		mu.Lock()
		for j := i; j < min(i+10, b.N); j++ {
			id := fmt.Sprintf("00000000-0000-4000-8000-%012d", j)
			js, _ := json.Marshal(map[string]any{
				"application_id": fmt.Sprintf("10000000-0000-4000-8000-%012d", j), "submitted_at": "2026-03-02T08:59:30+01:00", "kind": "new",
				"child_personnummer": pnr(j), "guardian_personnummer": "19900101-1234", "guardian_email": "vh@example.se",
				"desired_start_date": "2026-08-17", "preferred_unit_ids": []string{"forskola-haga"}, "hours_per_week": 40,
			})
			msgs = append(msgs, message.NewMessage(id, js))
			sent[id] = time.Now()
		}
		mu.Unlock()
		if err := pub.Publish("school.preschool-application.v1", msgs...); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-all:
	case <-time.After(2 * time.Minute):
		b.Fatalf("%d of %d applications decided", len(lat), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "apps/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// pnr is a made-up personnummer-shaped key for child i (a wrong check
// digit: nobody's).
func pnr(i int) string { return fmt.Sprintf("20230314-%04d", i%10000) }
