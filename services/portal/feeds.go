package portal

import (
	"cmp"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// signal is a broadcast: wait returns a channel that the next notify
// closes. Its zero value is ready to use.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel closed at the next notify.
func (s *signal) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// notify wakes every waiter.
func (s *signal) notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// versionEvent is a version as the change feeds announce it.
type versionEvent struct {
	DatasetID   string            `json:"dataset_id"`
	Name        string            `json:"name"`
	Version     int               `json:"version"`
	PublishedAt time.Time         `json:"published_at"`
	RowCount    int64             `json:"row_count"`
	Columns     []string          `json:"columns"`
	SHA256      string            `json:"sha256"`
	Links       map[string]string `json:"links"`
}

func (s *Service) versionEvent(d Dataset, v Version) versionEvent {
	base := s.versionURL(d.ID, v.Version)
	return versionEvent{DatasetID: d.ID, Name: d.Name, Version: v.Version, PublishedAt: v.PublishedAt, RowCount: v.RowCount,
		Columns: v.Columns, SHA256: v.SHA256, Links: map[string]string{
			"csv": base + ".csv", "json": base + ".json", "ndjson": base + ".ndjson", "parquet": base + ".parquet",
			"privacy_report": base + "/privacy-report.json",
			"rows":           s.cfg.BaseURL + "/api/v1/datasets/" + d.ID + "/rows?version=" + strconv.Itoa(v.Version),
		}}
}

// The Atom feed (RFC 4287) of a dataset's versions.
type (
	atomFeed struct {
		XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
		Lang    string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		ID      string      `xml:"id"`
		Title   string      `xml:"title"`
		Updated string      `xml:"updated"`
		Author  atomAuthor  `xml:"author"`
		Links   []atomLink  `xml:"link"`
		Entries []atomEntry `xml:"entry"`
	}
	atomAuthor struct {
		Name string `xml:"name"`
	}
	atomLink struct {
		Rel  string `xml:"rel,attr,omitempty"`
		Type string `xml:"type,attr,omitempty"`
		Href string `xml:"href,attr"`
	}
	atomEntry struct {
		ID      string     `xml:"id"`
		Title   string     `xml:"title"`
		Updated string     `xml:"updated"`
		Links   []atomLink `xml:"link"`
		Summary string     `xml:"summary"`
	}
)

// handleFeedAtom serves GET /datasets/{id}/feed.atom: an Atom entry per
// version, newest first; an entry's id is the version's URL, which never
// changes.
func (s *Service) handleFeedAtom(w http.ResponseWriter, r *http.Request) {
	d, err := s.dataset(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vs, err := s.store.Versions(r.Context(), d.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := s.cfg.BaseURL + "/datasets/" + d.Name
	feed := atomFeed{Lang: "sv", ID: s.cfg.BaseURL + "/datasets/" + d.ID + "/feed.atom", Title: d.Title.SV,
		Updated: d.Latest.PublishedAt.UTC().Format(time.RFC3339), Author: atomAuthor{Name: d.publisher().Name},
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: s.cfg.BaseURL + "/datasets/" + d.ID + "/feed.atom"},
			{Rel: "alternate", Type: "text/html", Href: page}}}
	for _, v := range vs {
		base := s.versionURL(d.ID, v.Version)
		feed.Entries = append(feed.Entries, atomEntry{ID: base, Title: fmt.Sprintf("%s, version %d", d.Title.SV, v.Version),
			Updated: v.PublishedAt.UTC().Format(time.RFC3339),
			Links: []atomLink{{Rel: "alternate", Type: "text/csv", Href: base + ".csv"},
				{Rel: "related", Type: "application/json", Href: base + ".json"},
				{Rel: "related", Type: mediaTypeParquet, Href: base + ".parquet"},
				{Rel: "describedby", Type: "application/json", Href: base + "/privacy-report.json"}},
			Summary: fmt.Sprintf("%d rader, sha256 %s", v.RowCount, v.SHA256)})
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Last-Modified", d.Latest.PublishedAt.UTC().Format(http.TimeFormat))
	if r.Method == http.MethodHead {
		return
	}
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(feed); err != nil {
		s.cfg.Logger.Warn("atom feed cut short", "dataset", d.Name, "err", err)
	}
}

// defaultPoll is how often an event stream reads the store when nothing
// woke it: for versions another replica stored, and as a keep-alive.
const defaultPoll = 15 * time.Second

// handleEvents serves GET /datasets/{id}/events as Server-Sent Events: an
// event "version" for each version the portal stores from now on, its id
// the version number and its data the version as JSON. A client that sends
// Last-Event-ID (or ?last_event_id=) n first gets every stored version
// after n, so a reconnecting EventSource misses none. The stream wakes
// when this process stores a version and reads the store every poll
// interval besides (a comment line keeps the connection alive).
func (s *Service) handleEvents(poll time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, err := s.dataset(r.Context(), r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		last := d.Latest.Version
		if id := cmp.Or(r.Header.Get("Last-Event-ID"), r.URL.Query().Get("last_event_id")); id != "" {
			n, err := strconv.Atoi(strings.TrimSpace(id))
			if err != nil || n < 0 {
				writeV1Error(w, badParam("Last-Event-ID", "must be a version number"))
				return
			}
			last = n
		}
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodHead {
			return
		}
		rc := http.NewResponseController(w)
		fmt.Fprintf(w, "retry: %d\n\n", poll.Milliseconds())
		tick := time.NewTicker(poll)
		defer tick.Stop()
		for {
			woken := s.store.added.wait() // before reading, so no version slips between
			vs, err := s.store.Versions(r.Context(), d.ID)
			if err != nil {
				if r.Context().Err() == nil {
					s.cfg.Logger.Warn("event stream", "dataset", d.Name, "err", err)
				}
				return
			}
			slices.Reverse(vs) // oldest first
			for _, v := range vs {
				if v.Version <= last {
					continue
				}
				js, _ := json.Marshal(s.versionEvent(d, v))
				fmt.Fprintf(w, "id: %d\nevent: version\ndata: %s\n\n", v.Version, js)
				last = v.Version
			}
			if err := rc.Flush(); err != nil {
				return
			}
			select {
			case <-r.Context().Done():
				return
			case <-woken:
			case <-tick.C:
				fmt.Fprint(w, ": keep-alive\n\n")
			}
		}
	}
}
