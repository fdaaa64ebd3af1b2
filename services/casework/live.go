package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Change tells a listener that a case changed: which case, what kind of
// entry, under which event id. It carries no case data; a listener reads
// the case through the pages or the API, under their access control.
type Change struct {
	CaseID  string `json:"case_id"`
	Kind    string `json:"kind"`
	EventID string `json:"event_id"`
	unit    string
}

// listener is one open stream: the units it may see (every unit for an
// admin), and the one case it follows when caseID is set.
type listener struct {
	user   *User
	caseID string
	ch     chan Change
}

func (l *listener) wants(c Change) bool {
	return l.user.Sees(c.unit) && (l.caseID == "" || l.caseID == c.CaseID)
}

// hub fans changes out to listeners. A listener that does not keep up
// loses changes rather than slowing the projection: its buffer is
// bounded and a full buffer drops the newest change (the page then shows
// the state as of the last change it got, and a reload catches up).
type hub struct {
	mu        sync.Mutex
	listeners map[*listener]struct{}
	closed    chan struct{} // closed by close: every stream ends
	closeOnce sync.Once
}

// done is closed when the hub closes.
func (h *hub) done() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed == nil {
		h.closed = make(chan struct{})
	}
	return h.closed
}

// close ends every stream, so that a server's graceful shutdown, which
// waits for open requests, is not held up by them.
func (h *hub) close() {
	h.done()
	h.closeOnce.Do(func() { close(h.closed) })
}

// listenerBuffer is how many changes a slow listener may fall behind.
const listenerBuffer = 64

func (h *hub) add(u *User, caseID string) *listener {
	l := &listener{user: u, caseID: caseID, ch: make(chan Change, listenerBuffer)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.listeners == nil {
		h.listeners = map[*listener]struct{}{}
	}
	h.listeners[l] = struct{}{}
	return l
}

func (h *hub) remove(l *listener) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.listeners, l)
}

// idle reports whether no one listens.
func (h *hub) idle() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.listeners) == 0
}

func (h *hub) notify(c Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for l := range h.listeners {
		if !l.wants(c) {
			continue
		}
		select {
		case l.ch <- c:
		default:
		}
	}
}

// notifyApplied tells the listeners of caseID's unit that an entry of
// kind was applied under eventID. A case not yet opened has no unit and
// reaches no one; its opening will.
func (s *Service) notifyApplied(ctx context.Context, caseID, kind, eventID string) {
	if s.live.idle() {
		return
	}
	unit, err := s.store.unitOf(ctx, caseID)
	if err != nil {
		s.cfg.Logger.Warn("casework: no live update", "kind", kind, "err", err)
		return
	}
	if unit != "" {
		s.live.notify(Change{CaseID: caseID, Kind: kind, EventID: eventID, unit: unit})
	}
}

// heartbeat is how often an idle stream gets a comment line, so proxies
// keep it open and a gone client is noticed.
const heartbeat = 25 * time.Second

// handleEvents streams changes as Server-Sent Events (event "change",
// data a Change in JSON): of the user's units' cases, or of the one case
// named by ?case= when the user may see it (the subscription is written
// to the access log like any view of the case).
func (s *Service) handleEvents(w http.ResponseWriter, r *http.Request, sess *session) {
	caseID := r.URL.Query().Get("case")
	if caseID != "" {
		r.SetPathValue("id", caseID)
		if _, ok := s.openCase(w, r, sess, "events"); !ok {
			return
		}
	}
	rc := http.NewResponseController(w)
	l := s.live.add(sess.user, caseID)
	defer s.live.remove(l)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 3000\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	done := s.live.done()
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case <-done:
			return
		case <-tick.C:
			_, err = fmt.Fprint(w, ": ping\n\n")
		case c := <-l.ch:
			js, _ := json.Marshal(c)
			_, err = fmt.Fprintf(w, "id: %s\nevent: change\ndata: %s\n\n", c.EventID, js)
		}
		if err != nil || rc.Flush() != nil {
			return
		}
	}
}
