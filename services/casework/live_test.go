package casework

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// stream is a client's open event stream; changes arrives as they come.
type stream struct {
	changes chan Change
}

// listen opens path's event stream as c and returns it once the server
// has registered it (the first bytes, the retry line, have arrived).
func (c *client) listen(path string) *stream {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.w.srv.URL+path, nil)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cancel(); resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		c.t.Fatalf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "retry:") {
		c.t.Fatalf("%s: no retry line first", path)
	}
	s := &stream{changes: make(chan Change, 1000)}
	go func() {
		defer close(s.changes)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ch Change
				if json.Unmarshal([]byte(data), &ch) == nil {
					s.changes <- ch
				}
			}
		}
	}()
	return s
}

// next is the stream's next change; the test fails if the stream ends or
// nothing comes within waitFor's bound.
func (s *stream) next(t *testing.T) Change {
	t.Helper()
	var got Change
	var ok bool
	waitFor(t, "a change on the stream", func() bool {
		select {
		case got, ok = <-s.changes:
			if !ok {
				t.Fatal("the stream ended")
			}
			return true
		default:
			return false
		}
	})
	return got
}

// TestLiveUpdates: an event projected while a signed-in caseworker
// listens arrives on their stream; a caseworker of another unit gets none
// of it (their first change is of the case of their own unit published
// after it); a case's own stream carries a comment made on the page; and
// another unit's case cannot be followed.
func TestLiveUpdates(t *testing.T) {
	w := newWeb(t, t.TempDir()+"/casework.db")
	anna, bo := w.login(t, "anna"), w.login(t, "bo")
	annaAll, boAll := anna.listen("/casework/events"), bo.listen("/casework/events")
	annaCase := anna.listen("/casework/events?case=" + uid(100))

	conn := w.conn
	publish(t, conn, caseEvents(3, "forskoleplacering", false))
	// The topics are not ordered with each other: an event of the case
	// applied before its opening reaches no one (the opening's change
	// brings the reader to it), so the opening is what surely arrives.
	for opened := false; !opened; {
		c := annaAll.next(t)
		if c.CaseID != uid(300) {
			t.Fatalf("anna got a change of case %s", c.CaseID)
		}
		opened = c.EventID == uid(301)
	}
	publish(t, conn, caseEvents(4, "hemtjanst", false))
	if c := boAll.next(t); c.CaseID != uid(400) {
		t.Fatalf("bo's first change is of case %s, not of his unit's new case", c.CaseID)
	}

	if st, _ := anna.post("/casework/cases/"+uid(100)+"/comment", url.Values{"text": {"Ringt vårdnadshavaren."}}); st != http.StatusOK {
		t.Fatalf("comment: %d", st)
	}
	if c := annaCase.next(t); c.CaseID != uid(100) || c.Kind != KindComment {
		t.Fatalf("case stream: %+v", c)
	}

	resp, err := bo.http.Get(w.srv.URL + "/casework/events?case=" + uid(100))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("bo following anna's case: %d, want 404", resp.StatusCode)
	}
	if resp, err := w.anonymous(t).http.Get(w.srv.URL + "/casework/events"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("events without a session: %v %v", resp, err)
	}
}
