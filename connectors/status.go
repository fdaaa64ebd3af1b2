package connectors

import (
	"sync"
	"time"
)

// State is where a connector's Runtime is.
//
// A Runtime that is not running any more is in one of three end states,
// which tell a normal end from a failure:
//   - StateFinished: its Source said ErrEndOfInput; everything it read is on
//     the bus (Status.EndedAt says when, RecordsIn and RecordsOut how much).
//   - StateStopped: it was shut down (its context ended) while it had more
//     to read or was waiting for more.
//   - StateFailed: Run returned an error (the checkpoint could not be
//     loaded, or the Source could not seek); Status.LastError says why.
//
// An error a Source returns from Connect or Read is not an end: the Runtime
// retries it and is in StateBackoff meanwhile, with the error in LastError.
type State string

// The states of a Runtime.
const (
	StateStarting   State = "starting"
	StateConnecting State = "connecting"
	StateRunning    State = "running"
	StateBackoff    State = "backoff"  // waiting to retry after an error
	StateFinished   State = "finished" // the Source reached the end of its input
	StateStopped    State = "stopped"  // shut down before the end of its input
	StateFailed     State = "failed"   // Run ended with an error (LastError)
)

// Ended reports whether s is an end state: finished, stopped or failed.
func (s State) Ended() bool {
	return s == StateFinished || s == StateStopped || s == StateFailed
}

// RateWindow is how far back Status.Rate and a backfill's time left look.
const RateWindow = 10 * time.Second

// Status is a snapshot of a connector's health.
type Status struct {
	Connector   string    `json:"connector"`
	State       State     `json:"state"`
	LastSuccess time.Time `json:"last_success,omitzero"` // when a batch last reached the bus
	LastError   string    `json:"last_error,omitempty"`  // the last error, "" when none
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// EndedAt is when Run ended (State finished, stopped or failed); zero
	// while it runs.
	EndedAt    time.Time `json:"ended_at,omitzero"`
	RecordsIn  int64     `json:"records_in"`  // records read
	RecordsOut int64     `json:"records_out"` // events published
	Failed     int64     `json:"failed"`      // records sent to the dead-letter topic
	Lag        int64     `json:"lag"`         // what waits to be read, when the Source is a Lagger
	// Rate is the records read per second over the last RateWindow.
	Rate float64 `json:"rate"`
	// Backfill is the progress through a backlog, while the Source is a
	// Lagger with something waiting; nil otherwise.
	Backfill *Backfill `json:"backfill,omitempty"`
}

// Backfill is how far a connector is through its backlog, in the unit of
// its Source's Lag (filedrop: files; sqlpoll: rows; mqtt, webhook:
// records). It begins when Lag rises from 0 and ends when Lag is 0 again.
type Backfill struct {
	Done    int64   `json:"done"`    // the backlog read since it began
	Total   int64   `json:"total"`   // Done plus Lag: grows when more arrives
	Percent float64 `json:"percent"` // 100 × Done / Total
	// ETASeconds is the time left at the pace the backlog shrank over the
	// last RateWindow; 0 when unknown (it did not shrink).
	ETASeconds float64 `json:"eta_seconds"`
}

type statusBox struct {
	mu sync.Mutex
	s  Status
	p  progress
}

// get is the status with its rate and backfill as of now.
func (b *statusBox) get(now time.Time) Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.s
	b.p.fill(now, &s)
	return s
}

func (b *statusBox) update(f func(*Status)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f(&b.s)
}

// observe records a batch read at now, with the Source's lag when it is a
// Lagger.
func (b *statusBox) observe(now time.Time, lag int64, isLagger bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if isLagger {
		b.s.Lag = lag
	}
	b.p.observe(now, b.s.RecordsIn, lag, isLagger)
}

func (b *statusBox) state(s State) { b.update(func(st *Status) { st.State = s }) }

// end records how Run ended: failed with err when err is not nil, else
// state (finished or stopped).
func (b *statusBox) end(state State, err error) {
	b.update(func(st *Status) {
		st.EndedAt = time.Now()
		st.State = state
		if err != nil {
			st.State = StateFailed
			st.LastError = err.Error()
			st.LastErrorAt = st.EndedAt
		}
	})
}

func (b *statusBox) fail(err error) {
	b.update(func(st *Status) {
		st.LastError = err.Error()
		st.LastErrorAt = time.Now()
	})
}

// progress follows a connector's rate and backlog; its clock is passed in,
// so its arithmetic is tested without waiting.
type progress struct {
	in      meter // records read
	drain   meter // backlog drained
	drained int64 // backlog drained since it began
	lag     int64
}

// observe takes the counter of records read and the lag after a batch.
func (p *progress) observe(now time.Time, recordsIn, lag int64, isLagger bool) {
	p.in.add(now, recordsIn)
	if !isLagger {
		return
	}
	if lag < p.lag {
		p.drained += p.lag - lag
	}
	p.lag = lag
	if lag == 0 {
		p.drained = 0
		p.drain = meter{}
		return
	}
	p.drain.add(now, p.drained)
}

// fill sets s's Rate and Backfill as of now.
func (p *progress) fill(now time.Time, s *Status) {
	s.Rate = p.in.rate(now)
	if p.lag <= 0 {
		return
	}
	total := p.drained + p.lag
	bf := &Backfill{Done: p.drained, Total: total, Percent: 100 * float64(p.drained) / float64(total)}
	if r := p.drain.rate(now); r > 0 {
		bf.ETASeconds = float64(p.lag) / r
	}
	s.Backfill = bf
}

// meter is the rate of a counter over the last RateWindow, from samples.
type meter struct {
	samples []sample // oldest first
}

type sample struct {
	at time.Time
	v  int64
}

func (m *meter) add(at time.Time, v int64) {
	m.samples = append(m.samples, sample{at, v})
	m.prune(at)
}

// prune drops the samples older than the window but the newest of them,
// which is where the window's count starts.
func (m *meter) prune(now time.Time) {
	i := 0
	for i+1 < len(m.samples) && !m.samples[i+1].at.After(now.Add(-RateWindow)) {
		i++
	}
	m.samples = m.samples[i:]
}

// rate is the counter's increase per second from its sample at (or just
// before) the start of the window to now, so it falls while nothing comes;
// 0 with fewer than two samples.
func (m *meter) rate(now time.Time) float64 {
	m.prune(now)
	if len(m.samples) < 2 {
		return 0
	}
	first, last := m.samples[0], m.samples[len(m.samples)-1]
	span := now.Sub(first.at).Seconds()
	if span <= 0 {
		return 0
	}
	return float64(last.v-first.v) / span
}
