package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/vasteras/civicbus/bus"
)

// The bench's webhook connectors (their paths are /api/ingest/<name>) and
// what the events reach.
const (
	benchWasteHook  = "bench-waste"
	benchSensorHook = "bench-sensor"
	benchCaseHook   = "bench-applications"
	benchFilesConn  = "bench-waste-files"
	benchDataset    = "bench-food-waste"
	benchTokenEnv   = "CIVICBUS_BENCH_WEBHOOK_TOKEN"
	benchDecisions  = "cases.decision-recorded.v1"
)

// bench is one run of `civicbus bench`.
type bench struct {
	cfg    benchConfig
	mix    map[string]float64
	dir    string
	drop   string
	token  string
	logger *slog.Logger
	client *http.Client
	base   string // the child's HTTP root

	mu        sync.Mutex
	issued    map[string]int
	accepted  map[string]int
	rejected  map[string]int
	toBus     []time.Duration // per webhook record: scheduled send → 202
	wasteAt   []time.Time     // scheduled send of every accepted weighing
	caseAt    map[string]time.Time
	inboxAt   map[string]time.Time
	toTask    []time.Duration // per application: scheduled send → its decision record
	toInbox   []time.Duration // per application: scheduled send → its decision in the casework inbox
	rejectWhy map[string]int
}

func newBench(cfg benchConfig, mix map[string]float64, dir string, logger *slog.Logger) (*bench, error) {
	if err := writeBenchdata(dir); err != nil {
		return nil, err
	}
	b := &bench{cfg: cfg, mix: mix, dir: dir, drop: filepath.Join(dir, "drop"), logger: logger,
		issued: map[string]int{}, accepted: map[string]int{}, rejected: map[string]int{},
		caseAt: map[string]time.Time{}, inboxAt: map[string]time.Time{}, rejectWhy: map[string]int{}}
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	b.token = hex.EncodeToString(tok[:])
	if err := writeBenchUsers(filepath.Join(dir, "casework-users.yaml")); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(b.drop, 0o755); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "connectors.d"), 0o755); err != nil {
		return nil, err
	}
	for name, yaml := range b.connectorFiles() {
		if err := os.WriteFile(filepath.Join(dir, "connectors.d", name+".yaml"), []byte(yaml), 0o644); err != nil {
			return nil, err
		}
	}
	b.client = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Senders * 2}}
	return b, nil
}

// connectorFiles are the bench's connector definitions by name.
func (b *bench) connectorFiles() map[string]string {
	hook := func(name, topic, fields string) string {
		return fmt.Sprintf(`name: %s
kind: webhook
topic: %s
config:
  bearer_token_env: %s
  queue: 20000
mapping:
  fields:
%s`, name, topic, benchTokenEnv, fields)
	}
	waste := `    kitchen_id: row.kitchen
    date: row.date
    meal: row.meal
    total_waste_kg: double(row.total)
    diners: int(row.diners)
`
	return map[string]string{
		benchWasteHook: hook(benchWasteHook, "meals.food-waste.v1", waste),
		benchSensorHook: hook(benchSensorHook, "care.sensor-activation.v1", `    resident_id: row.resident
    sensor_id: row.sensor
    sensor_kind: row.kind
    object: row.object
    room: row.room
    started_at: row.started_at
`),
		benchCaseHook: hook(benchCaseHook, "school.preschool-application.v1", `    application_id: row.id
    submitted_at: row.submitted_at
    kind: '"new"'
    child_personnummer: row.child
    guardian_email: row.email
    desired_start_date: row.start
    preferred_unit_ids: row.units
    hours_per_week: double(row.hours)
`),
		benchFilesConn: fmt.Sprintf(`name: %s
kind: filedrop
topic: meals.food-waste.v1
config:
  dir: %s
  poll_interval_ms: 100
mapping:
  fields:
%s`, benchFilesConn, b.drop, waste),
	}
}

// run starts the child, offers the load, drains and reports.
func (b *bench) run(ctx context.Context) (*benchReport, error) {
	rep := &benchReport{Rate: b.cfg.Rate, DurationSeconds: b.cfg.Duration.Seconds(), Mix: b.mix, LoadBefore: loadAverage()}
	child, err := startBenchChild(b.dir, []string{
		envPrefix + "CONNECTORS_DIR=" + filepath.Join(b.dir, "connectors.d"),
		envPrefix + "DATASETS_DIR=" + filepath.Join(b.dir, "datasets.d"),
		envPrefix + "RULES_DIR=" + filepath.Join(b.dir, "rules.d"),
		envPrefix + "CASEWORK_USERS=" + filepath.Join(b.dir, "casework-users.yaml"),
		envPrefix + "LOG_LEVEL=WARN",
		envPrefix + "DEMO=false",
		benchTokenEnv + "=" + b.token,
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := child.stop(); err != nil {
			b.logger.Warn("civicbus run under test", "err", err)
		}
	}()
	startCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	httpURL, err := child.banner(startCtx, "HTTP")
	if err != nil {
		return nil, err
	}
	kafka, err := child.banner(startCtx, "Kafka bootstrap")
	if err != nil {
		return nil, err
	}
	b.base = httpURL[:len(httpURL)-1]
	rep.LogFile = child.logPath
	if err := b.waitReady(startCtx); err != nil {
		return nil, fmt.Errorf("%w (its log: %s)", err, child.logPath)
	}

	// The decision records, read from the start of their topic.
	subCtx, stopSub := context.WithCancel(ctx)
	defer stopSub()
	conn := bus.Connection{Brokers: []string{kafka}, ClientID: "civicbus-bench"}
	decisions, err := b.watchDecisions(subCtx, conn)
	if err != nil {
		return nil, err
	}
	inbox, err := b.watchInbox(subCtx, filepath.Join(b.dir, "data", "casework.db"))
	if err != nil {
		return nil, err
	}

	// What the dataset has applied, every 100 ms.
	var samples []countSample
	var sampleMu sync.Mutex
	var peak procStats
	var peakHeap float64
	sampleCtx, stopSampling := context.WithCancel(ctx)
	var sampling sync.WaitGroup
	sampling.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for tick := 0; ; tick++ {
			if n, err := b.datasetChanges(sampleCtx); err == nil {
				sampleMu.Lock()
				samples = append(samples, countSample{time.Now(), n})
				sampleMu.Unlock()
			}
			if s, ok := readProcStats(child.cmd.Process.Pid); ok {
				sampleMu.Lock()
				peak.PeakRSS = max(peak.PeakRSS, s.PeakRSS, s.RSS)
				sampleMu.Unlock()
			}
			if tick%10 == 0 { // about every second
				if heap, err := b.metric(sampleCtx, "go_memstats_heap_inuse_bytes"); err == nil {
					sampleMu.Lock()
					peakHeap = max(peakHeap, heap)
					sampleMu.Unlock()
				}
			}
			select {
			case <-sampleCtx.Done():
				return
			case <-t.C:
			}
		}
	})

	before, _ := readProcStats(child.cmd.Process.Pid)
	genCPU0 := selfCPU()
	began := time.Now()
	if err := b.offer(ctx, began); err != nil {
		stopSampling()
		sampling.Wait()
		return nil, err
	}
	offered := time.Since(began)

	// Drain: until every accepted event is in the dataset and every
	// application has its decision, or --drain.
	b.mu.Lock()
	wantWaste := int64(b.accepted[benchWebhook] + b.accepted[benchFiles])
	wantCases := b.accepted[benchCases]
	b.mu.Unlock()
	drainEnd := time.Now().Add(b.cfg.Drain)
	for time.Now().Before(drainEnd) && ctx.Err() == nil {
		n, err := b.datasetChanges(ctx)
		if err == nil {
			// A sample too: the read that ends the drain may be the first
			// to see the last events applied, before the sampler's next.
			sampleMu.Lock()
			samples = append(samples, countSample{time.Now(), n})
			sampleMu.Unlock()
		}
		b.mu.Lock()
		tasks, inboxed := len(b.toTask), len(b.toInbox)
		b.mu.Unlock()
		if n >= wantWaste && tasks >= wantCases && inboxed >= wantCases {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	elapsed := time.Since(began)
	after, procOK := readProcStats(child.cmd.Process.Pid)
	stopSampling()
	sampling.Wait()
	stopSub()
	<-decisions
	<-inbox
	final, _ := b.datasetChanges(context.Background())
	for topic, into := range map[string]*int64{benchDecisions: &rep.DecisionRecords, "school.preschool-application.v1": &rep.ApplicationRecords} {
		*into, _ = topicRecords(ctx, conn, topic)
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	rep.LoadAfter = loadAverage()
	rep.Issued, rep.Accepted, rep.Rejected, rep.RejectedWhy = b.issued, b.accepted, b.rejected, b.rejectWhy
	total := func(m map[string]int) (n int) {
		for _, v := range m {
			n += v
		}
		return n
	}
	rep.OfferedPerSecond = float64(total(b.issued)) / offered.Seconds()
	rep.AcceptedPerSecond = float64(total(b.accepted)) / offered.Seconds()
	rep.DatasetApplied = final
	rep.DatasetWanted = wantWaste
	rep.Decisions = len(b.toTask)
	rep.DecisionsWanted = wantCases
	rep.CompletedPerSecond = float64(final+int64(len(b.toTask))+int64(b.accepted[benchSensor])) / elapsed.Seconds()
	rep.InInbox = len(b.toInbox)
	rep.Complete = final == wantWaste && len(b.toTask) == wantCases && len(b.toInbox) == wantCases
	rep.SourceToBus = latencyOf(b.toBus)
	slices.SortFunc(b.wasteAt, func(x, y time.Time) int { return x.Compare(y) })
	rep.SourceToDataset = latencyOf(countLatencies(b.wasteAt, samples))
	rep.SourceToDecision = latencyOf(b.toTask)
	rep.SourceToInbox = latencyOf(b.toInbox)
	if procOK {
		rep.CPUSeconds = (after.CPU - before.CPU).Seconds()
		rep.CPUCores = rep.CPUSeconds / elapsed.Seconds()
		rep.PeakRSSMB = float64(max(peak.PeakRSS, after.PeakRSS)) / (1 << 20)
	}
	rep.PeakHeapMB = peakHeap / (1 << 20)
	rep.GeneratorCPUSeconds = (selfCPU() - genCPU0).Seconds()
	rep.ElapsedSeconds = elapsed.Seconds()
	return rep, nil
}

// waitReady waits for /readyz, the bench's connectors running and the
// dataset answering.
func (b *bench) waitReady(ctx context.Context) error {
	for {
		var why error
		if code, err := b.get(ctx, "/readyz", nil); err != nil || code != http.StatusOK {
			why = fmt.Errorf("/readyz: %d %v", code, err)
		} else {
			var sts []struct {
				Connector string `json:"connector"`
				State     string `json:"state"`
			}
			if _, err := b.get(ctx, "/api/connectors", &sts); err != nil {
				why = err
			} else {
				running := 0
				for _, s := range sts {
					if s.State == "running" {
						running++
					}
				}
				if running < len(b.connectorFiles()) {
					why = fmt.Errorf("%d of %d connectors running: %+v", running, len(b.connectorFiles()), sts)
				} else if _, err := b.datasetChanges(ctx); err != nil {
					why = err
				}
			}
		}
		if why == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("civicbus run not ready: %v", why)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (b *bench) get(ctx context.Context, path string, into any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+path, nil)
	if err != nil {
		return 0, err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	if into != nil {
		return resp.StatusCode, json.Unmarshal(body, into)
	}
	return resp.StatusCode, nil
}

// metric reads one unlabelled metric from the child's /metrics.
func (b *bench) metric(ctx context.Context, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("/metrics has no %s", name)
}

// datasetChanges is how many events the bench's dataset has applied (it is
// never published on a schedule, so its pending changes are all of them).
func (b *bench) datasetChanges(ctx context.Context) (int64, error) {
	var v struct {
		Summary struct {
			Pending int64 `json:"pending_changes"`
		} `json:"summary"`
	}
	_, err := b.get(ctx, "/api/opendata/datasets/"+benchDataset, &v)
	return v.Summary.Pending, err
}

// watchDecisions records, for each application the bench sent, when its
// first decision record arrives. The channel closes when ctx ends.
func (b *bench) watchDecisions(ctx context.Context, conn bus.Connection) (<-chan struct{}, error) {
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn, ConsumerGroup: "civicbus-bench", InitialOffset: bus.OffsetOldest})
	if err != nil {
		return nil, err
	}
	msgs, err := sub.Subscribe(ctx, benchDecisions)
	if err != nil {
		sub.Close()
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer sub.Close()
		for m := range msgs {
			now := time.Now()
			var d struct {
				CaseID string `json:"case_id"`
			}
			_ = json.Unmarshal(m.Payload, &d)
			m.Ack()
			b.mu.Lock()
			if at, ok := b.caseAt[d.CaseID]; ok {
				b.toTask = append(b.toTask, now.Sub(at))
				delete(b.caseAt, d.CaseID) // the first decision is the task's
			}
			b.mu.Unlock()
		}
	}()
	return done, nil
}

// writeBenchUsers writes a casework users file, so that the casework
// service runs and keeps its inbox: one admin whose password is random and
// thrown away (nobody signs in during a bench).
func writeBenchUsers(path string) error {
	var pw [16]byte
	_, _ = rand.Read(pw[:])
	hash, err := bcrypt.GenerateFromPassword(pw[:], bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	return os.WriteFile(path, fmt.Appendf(nil, "users:\n  - username: bench\n    name: civicbus bench\n    role: admin\n    password_hash: %q\n", hash), 0o600)
}

// watchInbox records, for each application the bench sent, when its
// case's first decision is in the casework inbox: in the casework
// service's table of decisions, which the inbox shows, read every 100 ms
// from the process's SQLite file (read-only; new rows by rowid). The
// channel closes when ctx ends.
func (b *bench) watchInbox(ctx context.Context, path string) (<-chan struct{}, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer db.Close()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		var last int64
		for {
			n := b.readInbox(ctx, db, &last)
			if n == inboxPage {
				continue // more are waiting
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return done, nil
}

// inboxPage is the most decisions watchInbox reads at once.
const inboxPage = 10000

// readInbox reads the decisions projected after rowid *last and returns
// how many it read.
func (b *bench) readInbox(ctx context.Context, db *sql.DB, last *int64) int {
	rows, err := db.QueryContext(ctx, `SELECT rowid, case_id FROM casework_decisions WHERE rowid > ? ORDER BY rowid LIMIT ?`, *last, inboxPage)
	if err != nil {
		return 0 // not created yet, or the file busy: the next tick
	}
	defer rows.Close()
	now := time.Now()
	n := 0
	b.mu.Lock()
	defer b.mu.Unlock()
	for rows.Next() {
		var caseID string
		if rows.Scan(last, &caseID) != nil {
			break
		}
		n++
		if at, ok := b.inboxAt[caseID]; ok {
			b.toInbox = append(b.toInbox, now.Sub(at))
			delete(b.inboxAt, caseID)
		}
	}
	return n
}

// webhookReq is one request of records to a webhook connector.
type webhookReq struct {
	source string
	path   string
	body   []byte
	at     []time.Time // each record's scheduled send time
	ids    []string    // applications' ids (cases only)
}

// offer sends the load: each source at its share of --rate, every event
// with the time it was due, so that a sender falling behind shows in the
// latencies rather than lowering the rate (no coordinated omission).
func (b *bench) offer(ctx context.Context, began time.Time) error {
	reqs := make(chan webhookReq, b.cfg.Senders*4)
	var senders sync.WaitGroup
	for range b.cfg.Senders {
		senders.Go(func() {
			for r := range reqs {
				b.send(ctx, r)
			}
		})
	}
	defer func() { close(reqs); senders.Wait() }()

	var fileSeq atomic.Int64
	var csv bytes.Buffer
	var csvAt []time.Time
	flushFile := func() error {
		if len(csvAt) == 0 {
			return nil
		}
		name := fmt.Sprintf("waste-%06d.csv", fileSeq.Add(1))
		part := filepath.Join(b.drop, name+".part")
		if err := os.WriteFile(part, append([]byte("kitchen,date,meal,total,diners\n"), csv.Bytes()...), 0o644); err != nil {
			return err
		}
		if err := os.Rename(part, filepath.Join(b.drop, name)); err != nil {
			return err
		}
		b.mu.Lock()
		b.accepted[benchFiles] += len(csvAt)
		b.wasteAt = append(b.wasteAt, csvAt...)
		b.mu.Unlock()
		csv.Reset()
		csvAt = csvAt[:0]
		return nil
	}

	sent := map[string]int{}
	pending := map[string]*webhookReq{}
	flushReq := func(source string) {
		if r := pending[source]; r != nil && len(r.at) > 0 {
			reqs <- *r
			delete(pending, source)
		}
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	lastFile := began
	end := began.Add(b.cfg.Duration)
	for {
		now := time.Now()
		if now.After(end) {
			now = end
		}
		elapsed := now.Sub(began)
		for _, source := range benchSources {
			rate := float64(b.cfg.Rate) * b.mix[source]
			if rate == 0 {
				continue
			}
			due := int(elapsed.Seconds() * rate)
			for ; sent[source] < due; sent[source]++ {
				i := sent[source]
				at := began.Add(time.Duration(float64(i) / rate * float64(time.Second)))
				if source == benchFiles {
					fmt.Fprintf(&csv, "file-%d,%s,lunch,%d.5,%d\n", i%1000, benchDay(i/1000), 1+i%20, 100+i%300)
					csvAt = append(csvAt, at)
					continue
				}
				r := pending[source]
				if r == nil {
					r = &webhookReq{source: source, path: "/api/ingest/" + benchHook(source)}
					pending[source] = r
				}
				line, id := benchRecord(source, i)
				r.body = append(append(r.body, line...), '\n')
				r.at = append(r.at, at)
				if id != "" {
					// Known before it is sent: its decision may come back
					// before the webhook's answer does.
					r.ids = append(r.ids, id)
					b.mu.Lock()
					b.caseAt[id], b.inboxAt[id] = at, at
					b.mu.Unlock()
				}
				if len(r.at) >= b.cfg.Batch {
					select {
					case reqs <- *r:
					case <-ctx.Done():
						return ctx.Err()
					}
					delete(pending, source)
				}
			}
		}
		b.mu.Lock()
		for s, n := range sent {
			b.issued[s] = n
		}
		b.mu.Unlock()
		for _, source := range benchSources {
			flushReq(source)
		}
		if now.Sub(lastFile) >= 500*time.Millisecond || now.Equal(end) {
			if err := flushFile(); err != nil {
				return err
			}
			lastFile = now
		}
		if now.Equal(end) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func benchHook(source string) string {
	switch source {
	case benchSensor:
		return benchSensorHook
	case benchCases:
		return benchCaseHook
	}
	return benchWasteHook
}

// benchDay is day n from 2000-01-01, as a date.
func benchDay(n int) string {
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Format(time.DateOnly)
}

// benchRecord is the i-th record of a webhook source, one JSON line, each
// with its own natural key; id is an application's id.
func benchRecord(source string, i int) (line []byte, id string) {
	var v any
	switch source {
	case benchWebhook:
		v = map[string]any{"kitchen": fmt.Sprintf("hook-%d", i%1000), "date": benchDay(i / 1000), "meal": "lunch",
			"total": 1.5 + float64(i%20), "diners": 100 + i%300}
	case benchSensor:
		objects := []struct{ object, kind, room string }{{"bed", "pressure", "bedroom"}, {"main-door", "contact", "entrance"},
			{"fridge", "contact", "kitchen"}, {"toilet", "flush", "bathroom"}}
		o := objects[i%len(objects)]
		v = map[string]any{"resident": fmt.Sprintf("bench-res-%03d", i%100), "sensor": o.object + "-1", "kind": o.kind,
			"object": o.object, "room": o.room,
			"started_at": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i/100) * time.Second).Format(time.RFC3339)}
	case benchCases:
		id = fmt.Sprintf("b0000000-0000-4000-8000-%012d", i)
		v = map[string]any{"id": id, "submitted_at": "2026-03-02T08:59:30+01:00",
			// Synthetic: a number of the right shape, as the automation bench uses.
			"child": fmt.Sprintf("20230314-%04d", i%10000), "email": "vardnadshavare@example.se",
			"start": "2026-08-17", "units": []string{"forskola-haga"}, "hours": 40}
	}
	line, _ = json.Marshal(v)
	return line, id
}

// send POSTs one request; a 503 is sent again (the webhook's contract: the
// sender's retry is its durability) until it is answered otherwise or 30 s
// have passed.
func (b *bench) send(ctx context.Context, r webhookReq) {
	deadline := time.Now().Add(30 * time.Second)
	code, why := 0, ""
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.base+r.path, bytes.NewReader(r.body))
		if err != nil {
			why = err.Error()
			break
		}
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Authorization", "Bearer "+b.token)
		resp, err := b.client.Do(req)
		if err != nil {
			why = "transport error"
			if ctx.Err() != nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		code = resp.StatusCode
		if code != http.StatusServiceUnavailable || time.Now().After(deadline) {
			why = fmt.Sprintf("HTTP %d", code)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	done := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if code != http.StatusAccepted {
		b.rejected[r.source] += len(r.at)
		b.rejectWhy[why] += len(r.at)
		for _, id := range r.ids {
			delete(b.caseAt, id)
			delete(b.inboxAt, id)
		}
		return
	}
	b.accepted[r.source] += len(r.at)
	for _, at := range r.at {
		b.toBus = append(b.toBus, done.Sub(at))
	}
	switch r.source {
	case benchWebhook:
		b.wasteAt = append(b.wasteAt, r.at...)
	}
}

// countSample is how many events the dataset had applied at a time.
type countSample struct {
	at time.Time
	n  int64
}

// countLatencies pairs the k-th event sent (sent in order) with the first
// sample in which the dataset had applied k of them: the dataset is read as
// a queue, so its latencies are those of the events in the order they were
// due, to within the 100 ms between samples.
func countLatencies(sent []time.Time, samples []countSample) []time.Duration {
	sort.Slice(samples, func(i, j int) bool { return samples[i].at.Before(samples[j].at) })
	var out []time.Duration
	s := 0
	for k, at := range sent {
		for s < len(samples) && samples[s].n < int64(k+1) {
			s++
		}
		if s == len(samples) {
			break
		}
		out = append(out, max(samples[s].at.Sub(at), 0))
	}
	return out
}

// selfCPU is this process's own CPU time (the load generator's).
func selfCPU() time.Duration {
	s, _ := readProcStats(os.Getpid())
	return s.CPU
}

// lockedBuffer is a bytes.Buffer a child process writes to while it is
// read.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// topicRecords is how many records topic holds: its partitions' end
// offsets summed (the bench's data dir is fresh and nothing is deleted).
func topicRecords(ctx context.Context, conn bus.Connection, topic string) (int64, error) {
	ends, err := bus.EndOffsets(ctx, conn, topic)
	var n int64
	for _, end := range ends {
		n += end
	}
	return n, err
}
