package automation

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/internal/svcbus"
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
	benchTopics(b, conn)
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
	driveApplications(b, conn, 4)
}

// BenchmarkBusHop is the ceiling BenchmarkEventToDecision is read against:
// the same applications at the same rate through the same router (svcbus:
// contract checks, dead-lettering, dedup, retries) and checked publisher
// into a handler that does nothing but publish one canned decision record
// per application. Its p99 is what the bus and the machine's load cost a
// consume-and-publish hop; run both in one go test to compare:
//
//	go test -run '^$' -bench 'EventToDecision|BusHop' -benchtime 2000x ./services/automation/
func BenchmarkBusHop(b *testing.B) {
	br := testenv.Broker(b)
	conn := bus.Connection{Brokers: []string{br.Addr()}}
	benchTopics(b, conn)
	router, err := svcbus.NewRouter(svcbus.RouterConfig{Conn: conn, Group: "bench-hop", Source: "/bench", Metrics: prometheus.NewRegistry(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer router.Close()
	pub, err := svcbus.Publisher(conn, "/bench", slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	conf := 1.0
	err = router.Handle("hop", "school.preschool-application.v1", func(msg *message.Message) error {
		js, err := json.Marshal(schemas.DecisionRecorded{
			DecisionID: rulesDecisionID(msg.UUID), CaseID: "10000000-0000-4000-8000-000000000000", CaseType: "preschool-placement", StepID: "age-check",
			DecidedAt: time.Now(), DecidedBy: schemas.Actor{Kind: schemas.ActorRule, ID: "hop", Version: "1"}, Automated: true,
			Inputs: []schemas.DecisionInput{}, TriggerEventID: msg.UUID,
			DecisionContent: schemas.DecisionContent{Outcome: schemas.OutcomeCompleted, Motivering: "Hopp.", LegalBasis: []string{"x"}, DelegationRef: "x", Confidence: &conf},
		})
		if err != nil {
			return err
		}
		return pub.Publish(TopicDecision, message.NewMessage(rulesDecisionID(msg.UUID), js))
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- router.Run(ctx) }()
	defer func() { cancel(); <-done }()
	driveApplications(b, conn, 1)
}

func rulesDecisionID(eventID string) string { return CaseID("bench-hop", eventID) }

func benchTopics(b *testing.B, conn bus.Connection) {
	for _, t := range []string{"school.preschool-application.v1", TopicDecision, TopicStepCompleted} {
		if _, err := bus.EnsureTopic(context.Background(), conn, t, benchPartitions()); err != nil {
			b.Fatal(err)
		}
	}
}

// driveApplications sends b.N applications at CIVICBUS_BENCH_RATE a second
// (default 100; 0: as fast as the publisher takes them), in batches of 10,
// and waits for perApp decision records of each; it reports
// applications/s, the p50 and p99 from publication to the last record, and
// the p99 of the two halves: publication to evaluation (decided_at) and
// evaluation to receipt.
func driveApplications(b *testing.B, conn bus.Connection, perApp int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	sent := map[string]time.Time{}
	got := map[string]int{}
	var lat, toDecide, fromDecide []time.Duration
	all := make(chan struct{})
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn, InitialOffset: bus.OffsetNewest})
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Close()
	ch, err := sub.Subscribe(ctx, TopicDecision)
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
			if got[d.TriggerEventID] == perApp {
				lat = append(lat, time.Since(sent[d.TriggerEventID]))
				toDecide = append(toDecide, d.DecidedAt.Sub(sent[d.TriggerEventID]))
				fromDecide = append(fromDecide, time.Since(d.DecidedAt))
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
	time.Sleep(2 * time.Second) // the consumer groups join
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
	mu.Lock()
	defer mu.Unlock()
	p := func(ds []time.Duration, q float64) float64 {
		slices.Sort(ds)
		return float64(ds[int(float64(len(ds)-1)*q)].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "apps/s")
	b.ReportMetric(p(lat, 0.5), "p50-ms")
	b.ReportMetric(p(lat, 0.99), "p99-ms")
	b.ReportMetric(p(toDecide, 0.99), "p99-to-eval-ms")
	b.ReportMetric(p(fromDecide, 0.99), "p99-eval-to-receipt-ms")
}

// pnr is a made-up personnummer-shaped key for child i (a wrong check
// digit: nobody's).
func pnr(i int) string { return fmt.Sprintf("20230314-%04d", i%10000) }

// benchPartitions is CIVICBUS_BENCH_PARTITIONS, default 4.
func benchPartitions() int {
	if n, err := strconv.Atoi(os.Getenv("CIVICBUS_BENCH_PARTITIONS")); err == nil && n > 0 {
		return n
	}
	return 4
}

// discard is a publisher that drops what it is given: BenchmarkDecide
// measures the service's own work, the bus's is EventToDecision's.
type discard struct{}

func (discard) Publish(string, ...*message.Message) error { return nil }
func (discard) Close() error                              { return nil }

// BenchmarkDecide: the service's handler for one preschool application
// with 50 rules loaded (the rules package's benchmark set: 4 decisions an
// event, 2 after register lookups in the SQLite projection), from the
// event's JSON through evaluation, the check against the decisions on
// record, the decision and step-completed events (marshalled; the
// publisher drops them) to the decisions recorded in SQLite, one
// transaction per event. Target ≥ 10,000 events/s per core:
//
//	go test -run '^$' -bench 'Decide$' -cpu 1 -benchtime 20000x ./services/automation/
func BenchmarkDecide(b *testing.B) {
	ctx := context.Background()
	dir := bench50(b)
	s, err := New(ctx, Config{RulesDir: dir, Conn: bus.Connection{Brokers: []string{"127.0.0.1:1"}}, DB: filepath.Join(b.TempDir(), "a.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.pub.Close()
	s.pub = discard{}
	for i := range 1000 {
		if err := s.store.put(ctx, ProjectionRegister, pnr(i), map[string]any{
			"register_event_id": fmt.Sprintf("navet-%d", i), "personnummer": pnr(i), "birth_date": "2023-03-14",
			"moved_in_on": "2023-03-20", "municipality_code": "1980",
		}); err != nil {
			b.Fatal(err)
		}
	}
	h := s.decide("school.preschool-application.v1")
	msgs := make([]*message.Message, b.N)
	for i := range msgs {
		js, _ := json.Marshal(map[string]any{
			"application_id": fmt.Sprintf("10000000-0000-4000-8000-%012d", i), "submitted_at": "2026-03-02T08:59:30+01:00", "kind": "new",
			"child_personnummer": pnr(i % 1000), "guardian_personnummer": "19900101-1234", "guardian_email": "vh@example.se",
			"desired_start_date": "2026-08-17", "preferred_unit_ids": []string{"forskola-haga"}, "hours_per_week": 40,
		})
		msgs[i] = message.NewMessage(fmt.Sprintf("00000000-0000-4000-8000-%012d", i), js)
	}
	b.ResetTimer()
	for _, m := range msgs {
		if err := h(m); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if n, _ := s.store.decisions(ctx); n != 4*b.N {
		b.Fatalf("%d decisions on record, want %d", n, 4*b.N)
	}
}

// bench50 is the worked examples (5 rules in 7 versions) and 45 generated
// rules triggered by case events and fault reports, as the rules package's
// BenchmarkEvaluate loads them.
func bench50(b *testing.B) string {
	dir := b.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("rules", "testdata", "examples"))); err != nil {
		b.Fatal(err)
	}
	ct := "kind: case-type\nid: bench\nversion: 1\nsteps:\n  - {id: check, role: handläggare, automation: decide}\n"
	if err := os.WriteFile(filepath.Join(dir, "bench-case-type.yaml"), []byte(ct), 0o644); err != nil {
		b.Fatal(err)
	}
	topics := [][3]string{{"cases.case-opened.v1", "event.case_id", "case_type"}, {"cases.step-completed.v1", "event.case_id", "step_id"}, {"roads.fault-report.v1", "event.report_id", "category"}}
	for i := range 45 {
		t := topics[i%3]
		rule := fmt.Sprintf("kind: rule\nid: bench-%02d\nversion: 1\nactive: true\ncase_type: bench\nstep: check\ntrigger:\n  event: %s\n  condition: has(event.%s)\n  case_id: %s\n"+
			"outcomes:\n  - when: event.%s != \"x%d\"\n    outcome: completed\n    result: checked\n    reasons: Uppgiften {{.event.%s}} är kontrollerad enligt regel %d.\n"+
			"otherwise:\n  reasons: Uppgiften kunde inte kontrolleras.\nlegal_basis: [Förvaltningslagen (2017:900) 28 §]\ndelegation_ref: BUN delegationsordning 2024 punkt 3.2\n",
			i, t[0], t[2], t[1], t[2], i, t[2], i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("bench-%02d.yaml", i)), []byte(rule), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}
