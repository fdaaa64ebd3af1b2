package connectors

import (
	"sync"
	"time"
)

// State is where a connector's Runtime is.
type State string

// The states of a Runtime.
const (
	StateStarting   State = "starting"
	StateConnecting State = "connecting"
	StateRunning    State = "running"
	StateBackoff    State = "backoff" // waiting to retry after an error
	StateStopped    State = "stopped"
)

// Status is a snapshot of a connector's health.
type Status struct {
	Connector   string
	State       State
	LastSuccess time.Time // when a batch last reached the bus
	LastError   string    // the last error, "" when none
	LastErrorAt time.Time
	RecordsIn   int64 // records read
	RecordsOut  int64 // events published
	Failed      int64 // records sent to the dead-letter topic
	Lag         int64 // what waits to be read, when the Source is a Lagger
}

type statusBox struct {
	mu sync.Mutex
	s  Status
}

func (b *statusBox) get() Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.s
}

func (b *statusBox) update(f func(*Status)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f(&b.s)
}

func (b *statusBox) state(s State) { b.update(func(st *Status) { st.State = s }) }

func (b *statusBox) fail(err error) {
	b.update(func(st *Status) {
		st.LastError = err.Error()
		st.LastErrorAt = time.Now()
	})
}
