package portal

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFeedAtom reads a dataset's Atom feed: an entry per version, newest
// first, whose id is the version's URL.
func TestFeedAtom(t *testing.T) {
	s := newSeeded(t)
	resp, body := get(t, s.srv.URL+"/datasets/"+weatherDef.Name+"/feed.atom")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("feed.atom: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var feed atomFeed
	if err := xml.Unmarshal(body, &feed); err != nil {
		t.Fatal(err)
	}
	base := "https://data.vasteras.se/datasets/" + weatherDef.ID + "/versions/"
	if feed.XMLName.Space != "http://www.w3.org/2005/Atom" || feed.Title != weatherDef.Title.SV || len(feed.Entries) != 2 ||
		feed.Entries[0].ID != base+"2" || feed.Entries[1].ID != base+"1" || feed.Updated != "2026-11-02T04:00:00Z" ||
		feed.Entries[0].Links[0].Href != base+"2.csv" {
		t.Errorf("feed %+v", feed)
	}
	if resp, _ := get(t, s.srv.URL+"/datasets/no-such/feed.atom"); resp.StatusCode != 404 {
		t.Errorf("an unknown dataset's feed: %d", resp.StatusCode)
	}
}

// sseEvent is an event of a text/event-stream.
type sseEvent struct{ id, event, data string }

// sseClient reads an event stream.
type sseClient struct {
	resp *http.Response
	r    *bufio.Reader
}

// listen opens url's event stream with the headers, and reads up to the
// stream's first blank line (its retry field), which the server writes
// after it has read where the stream starts.
func listen(t *testing.T, url string, header ...string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang fails, it does not block
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	c := &sseClient{resp: resp, r: bufio.NewReader(resp.Body)}
	c.next(t)
	return c
}

// next reads the next event (or the first block of fields), skipping
// comments.
func (c *sseClient) next(t *testing.T) sseEvent {
	t.Helper()
	var ev sseEvent
	got := false
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			t.Fatalf("read the event stream: %v", err)
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if got {
				return ev
			}
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		got = true
		k, v, _ := strings.Cut(line, ": ")
		switch k {
		case "id":
			ev.id = v
		case "event":
			ev.event = v
		case "data":
			ev.data += v
		}
	}
}

// TestEventsResume: a client that says Last-Event-ID n gets every version
// after n at once, then the next one when it is stored.
func TestEventsResume(t *testing.T) {
	s := newSeeded(t)
	c := listen(t, s.srv.URL+"/datasets/"+weatherDef.Name+"/events", "Last-Event-ID", "0")
	for want := 1; want <= 2; want++ {
		if ev := c.next(t); ev.id != strconv.Itoa(want) || ev.event != "version" {
			t.Fatalf("event %+v; want version %d", ev, want)
		}
	}
	seedVersion(t, s.svc.store, weatherDef, 3, time.Date(2026, 11, 5, 4, 0, 0, 0, time.UTC), weatherCols, weatherRows(5))
	ev := c.next(t)
	var v versionEvent
	if err := json.Unmarshal([]byte(ev.data), &v); err != nil || ev.id != "3" || v.Version != 3 || v.RowCount != 5 || v.DatasetID != weatherDef.ID ||
		v.Links["csv"] != "https://data.vasteras.se/datasets/"+weatherDef.ID+"/versions/3.csv" {
		t.Errorf("event %+v, %+v, %v", ev, v, err)
	}
	if resp, body := get(t, s.srv.URL+"/datasets/"+weatherDef.Name+"/events?last_event_id=x"); resp.StatusCode != 400 || !strings.Contains(string(body), "Last-Event-ID") {
		t.Errorf("a bad Last-Event-ID: %d %s", resp.StatusCode, body)
	}
}

// TestEventsEndToEnd listens to a dataset's events while the open-data
// service publishes a new version: the portal harvests it from the broker
// and the listener gets it, and none of the versions before.
func TestEventsEndToEnd(t *testing.T) {
	s := newStack(t, dsnSQLite(t))
	s.feed(t, 2019)
	s.publishVersion(t)
	c := listen(t, s.srv.URL+"/datasets/"+popName+"/events")
	s.feed(t, 2020)
	v2 := s.publishVersion(t)
	ev := c.next(t)
	var v versionEvent
	// The version the test published (2, unless the service's schedule
	// made one of its own in between).
	if err := json.Unmarshal([]byte(ev.data), &v); err != nil || ev.id != strconv.Itoa(v2.Version) || v.Version != v2.Version || v.SHA256 != v2.SHA256 || v.Name != popName {
		t.Errorf("event %+v; want version %d with sha256 %s", ev, v2.Version, v2.SHA256)
	}
}
