// Package httppoll is the HTTP polling connector: it polls a JSON API on a
// schedule and puts every item of its list on the bus.
//
// A poll GETs url, sending If-None-Match and If-Modified-Since with the
// ETag and Last-Modified of the last completed poll: a 304 means nothing is
// new, and the next poll starts interval after this one did. Otherwise the
// poll follows the pages, by the URL at the config's next path in the body
// (relative URLs are resolved against the page) or, without one, by a
// Link: <…>; rel="next" header, and each page is one Batch. The items are at
// the config's items path (a JSON pointer or dotted path; empty: the page is
// the array). Each item that is a JSON object is a record whose fields are
// its properties (integers as int64, other numbers as float64), whose Key is
// its key property and whose Origin is the page URL and the item's 1-based
// index; an item that is not an object is a record with Err, which the
// Runtime sends to the dead-letter topic.
//
// Position. Every record of a page carries the position after that page: a
// small JSON object with the next page's URL while a poll is under way, and
// the ETag and Last-Modified of the first page once the poll is complete.
// So a restart resumes with the page after the last one on the bus, and
// after a completed poll asks conditionally and gets a 304 when nothing
// changed. When the list did change, a poll reads it all again: a polled
// list has no cursor of its own; the items already on the bus become events
// with the same deterministic ids and are recognised downstream. An API
// paged by offset that changes in the middle of a poll can shift items
// across a page boundary; the next poll, seeing a new ETag, reads them.
// Redirects are followed within the host of url only, so that the secret
// headers never go anywhere else.
//
// Errors. A 429 or 5xx answer is a *StatusError; the Runtime retries it with
// its backoff, and when the answer had a Retry-After the next Read first
// waits until then (ctx-aware), so the Source has no retry loop of its own
// and still honours the server. A 404 or 410 for a later page (an expired
// cursor) makes the next Read start the poll again. 401 and 403 are connectors.ErrNotConnected,
// so that Connect reads the secret headers again (a rotated token). An
// answer that is not JSON (an HTML error page) is an error naming the URL,
// the status and the content type, never the body. Header values come from
// the environment or secret files and never appear in logs or errors.
package httppoll

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vasteras/civicbus/connectors"
)

// MaxPage is the largest page body read, in bytes.
const MaxPage = 64 << 20

// maxRetryAfter caps how long a Retry-After makes the Source wait.
const maxRetryAfter = 15 * time.Minute

// Kind is the httppoll connector kind for a connectors.Registry.
func Kind() connectors.Kind {
	return connectors.KindOf("httppoll", "polls a JSON API on a schedule, page by page, with ETag/If-Modified-Since", New)
}

// StatusError is an answer the Runtime should retry: 429 or 5xx.
type StatusError struct {
	URL        string
	Code       int
	RetryAfter time.Duration // zero when the answer had none
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("httppoll: GET %s: %d %s", e.URL, e.Code, http.StatusText(e.Code))
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %v)", e.RetryAfter)
	}
	return msg
}

// position is the checkpoint: Next while a poll is under way; the
// validators of the poll (of its first page).
type position struct {
	Next     string `json:"next,omitempty"`
	ETag     string `json:"etag,omitempty"`
	Modified string `json:"modified,omitempty"`
}

// Source is the httppoll connectors.Source and connectors.Seeker.
type Source struct {
	cfg       Config
	logger    *slog.Logger
	interval  time.Duration
	timeout   time.Duration
	itemsPath []string
	nextPath  []string

	mu      sync.Mutex // guards client
	client  *http.Client
	headers http.Header

	// The state, used by Read's goroutine only.
	next      string // the next page of the poll under way; "" between polls
	etag      string // validators of the last completed poll
	modified  string
	pollETag  string // validators of the poll under way
	pollMod   string
	pollAt    time.Time // when the next poll may start
	pollStart time.Time
	retryAt   time.Time // Retry-After of the last answer
	visited   map[string]bool
}

// New returns an httppoll Source; logger may be nil. It reads the secret
// headers, to fail early, but does not connect.
func New(cfg Config, logger *slog.Logger) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if _, err := cfg.resolveHeaders(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Source{cfg: cfg, logger: logger, interval: DefaultInterval, timeout: DefaultTimeout}
	if cfg.Interval != "" {
		s.interval, _ = time.ParseDuration(cfg.Interval)
	}
	if cfg.Timeout != "" {
		s.timeout, _ = time.ParseDuration(cfg.Timeout)
	}
	s.itemsPath, _ = parsePath(cfg.Items)
	s.nextPath, _ = parsePath(cfg.Next)
	return s, nil
}

// Seek implements connectors.Seeker.
func (s *Source) Seek(pos string) error {
	s.next, s.etag, s.modified, s.pollETag, s.pollMod = "", "", "", "", ""
	s.pollAt = time.Time{}
	if pos == "" {
		return nil
	}
	var p position
	if err := json.Unmarshal([]byte(pos), &p); err != nil {
		return fmt.Errorf("httppoll: position %q: %w", pos, err)
	}
	if p.Next != "" {
		s.next, s.pollETag, s.pollMod = p.Next, p.ETag, p.Modified
		s.visited = map[string]bool{}
	} else {
		s.etag, s.modified = p.ETag, p.Modified
	}
	return nil
}

// Connect reads the secret headers and makes the HTTP client.
func (s *Source) Connect(ctx context.Context) error {
	_ = s.Close(ctx)
	h, err := s.cfg.resolveHeaders()
	if err != nil {
		return err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	s.mu.Lock()
	host := ""
	if u, err := url.Parse(s.cfg.URL); err == nil {
		host = u.Host
	}
	s.client = &http.Client{Transport: tr, Timeout: s.timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != host {
			return fmt.Errorf("a redirect to another host (%s) is not followed: the headers hold secrets", req.URL.Host)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}}
	s.headers = h
	s.mu.Unlock()
	return nil
}

// Close closes the client's connections.
func (s *Source) Close(context.Context) error {
	s.mu.Lock()
	c := s.client
	s.client = nil
	s.mu.Unlock()
	if c != nil {
		c.CloseIdleConnections()
	}
	return nil
}

// Read returns the next page of items, waiting for the next poll when
// there is none.
func (s *Source) Read(ctx context.Context) (connectors.Batch, connectors.AckFunc, error) {
	for {
		s.mu.Lock()
		client, headers := s.client, s.headers
		s.mu.Unlock()
		if client == nil {
			return nil, nil, connectors.ErrNotConnected
		}
		if err := sleepUntil(ctx, s.retryAt); err != nil {
			return nil, nil, err
		}
		first := s.next == ""
		if first {
			if err := sleepUntil(ctx, s.pollAt); err != nil {
				return nil, nil, err
			}
			s.pollStart = time.Now()
			s.visited = map[string]bool{}
		}
		u := s.cfg.URL
		if !first {
			u = s.next
		}
		batch, err := s.page(ctx, client, headers, u, first)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			return nil, nil, err
		}
		if len(batch) > 0 {
			return batch, nil, nil
		}
	}
}

// page reads one page and moves the state past it.
func (s *Source) page(ctx context.Context, client *http.Client, headers http.Header, u string, first bool) (connectors.Batch, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("httppoll: GET %s: %w", u, err)
	}
	req.Header = headers.Clone()
	req.Header.Set("Accept", "application/json")
	if first {
		if s.etag != "" {
			req.Header.Set("If-None-Match", s.etag)
		}
		if s.modified != "" {
			req.Header.Set("If-Modified-Since", s.modified)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("httppoll: %w", err) // *url.Error: method, URL and cause; no headers
	}
	defer resp.Body.Close()
	defer io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	switch code := resp.StatusCode; {
	case code == http.StatusNotModified && first:
		s.logger.Debug("not modified", "url", u)
		s.pollAt = s.pollStart.Add(s.interval)
		return nil, nil
	case code == http.StatusTooManyRequests || code >= 500:
		e := &StatusError{URL: u, Code: code, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
		s.retryAt = time.Now().Add(e.RetryAfter)
		return nil, e
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return nil, fmt.Errorf("%w: httppoll: GET %s: %d %s", connectors.ErrNotConnected, u, code, http.StatusText(code))
	case !first && (code == http.StatusNotFound || code == http.StatusGone):
		// An expired page cursor: the next Read starts the poll again.
		s.next = ""
		return nil, fmt.Errorf("httppoll: GET %s: %d %s; the poll starts again from the first page", u, code, http.StatusText(code))
	case code < 200 || code > 299:
		return nil, fmt.Errorf("httppoll: GET %s: %d %s (%s)", u, code, http.StatusText(code), contentType(resp))
	}
	ct := contentType(resp)
	if !isJSON(ct) {
		return nil, fmt.Errorf("httppoll: GET %s: the answer is %s, not JSON (status %d)", u, ct, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxPage+1))
	if err != nil {
		return nil, fmt.Errorf("httppoll: GET %s: reading the answer: %w", u, err)
	}
	if len(body) > MaxPage {
		return nil, fmt.Errorf("httppoll: GET %s: the answer is larger than %d bytes", u, MaxPage)
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("httppoll: GET %s: the answer (%s) is not valid JSON: %v", u, ct, err)
	}
	v, ok := lookup(doc, s.itemsPath)
	switch {
	case !ok:
		return nil, fmt.Errorf("httppoll: GET %s: the answer has no items at %q", u, s.cfg.Items)
	case v == nil:
		v = []any{} // "items": null, an empty page
	}
	items, isArray := v.([]any)
	if !isArray {
		if s.cfg.Items == "" {
			return nil, fmt.Errorf("httppoll: GET %s: the answer is not a JSON array; set items to where the list is", u)
		}
		return nil, fmt.Errorf("httppoll: GET %s: items %q is not an array", u, s.cfg.Items)
	}
	next, err := s.nextURL(u, doc, resp.Header)
	if err != nil {
		return nil, err
	}
	if first {
		s.pollETag, s.pollMod = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	}
	s.visited[u] = true
	pos := position{ETag: s.pollETag, Modified: s.pollMod}
	if next != "" {
		pos.Next = next
	}
	pb, _ := json.Marshal(pos)

	batch := make(connectors.Batch, 0, len(items))
	for i, item := range items {
		raw, _ := json.Marshal(item)
		rec := connectors.Record{Position: string(pb), Origin: connectors.Origin{File: u, Line: i + 1}, Raw: raw}
		if obj, ok := item.(map[string]any); ok {
			rec.Fields = connectors.NormalizeJSON(obj).(map[string]any)
			if s.cfg.Key != "" {
				rec.Key = keyText(rec.Fields[s.cfg.Key])
			}
		} else {
			rec.Err = fmt.Errorf("httppoll: %s item %d: %s, not a JSON object", u, i+1, kindOf(item))
		}
		batch = append(batch, rec)
	}
	s.next = next
	if next == "" {
		s.etag, s.modified = s.pollETag, s.pollMod
		s.pollAt = s.pollStart.Add(s.interval)
	}
	return batch, nil
}

// nextURL is the page after u, "" when u is the last.
func (s *Source) nextURL(u string, doc any, h http.Header) (string, error) {
	var ref string
	if s.cfg.Next != "" {
		if v, ok := lookup(doc, s.nextPath); ok && v != nil {
			str, isStr := v.(string)
			if !isStr {
				return "", fmt.Errorf("httppoll: GET %s: next %q is a %s, not a URL", u, s.cfg.Next, kindOf(v))
			}
			ref = str
		}
	} else {
		ref = linkNext(h.Values("Link"))
	}
	if ref == "" {
		return "", nil
	}
	base, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("httppoll: %s: %w", u, err)
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("httppoll: GET %s: the next page %q is not a URL", u, ref)
	}
	next := base.ResolveReference(r).String()
	if s.visited[next] || next == u {
		return "", fmt.Errorf("httppoll: GET %s: the next page %s was already read in this poll (a pagination loop)", u, next)
	}
	return next, nil
}

// linkNext is the target of the rel="next" link of Link headers (RFC 8288).
func linkNext(values []string) string {
	for _, v := range values {
		for _, link := range splitLinks(v) {
			link = strings.TrimSpace(link)
			if !strings.HasPrefix(link, "<") {
				continue
			}
			end := strings.IndexByte(link, '>')
			if end < 0 {
				continue
			}
			target := link[1:end]
			for _, param := range strings.Split(link[end+1:], ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(rel, "next") {
						return target
					}
				}
			}
		}
	}
	return ""
}

// splitLinks splits a Link header at the commas outside <…> and quotes.
func splitLinks(v string) []string {
	var out []string
	inURL, inQuote, start := false, false, 0
	for i, c := range v {
		switch {
		case c == '<' && !inQuote:
			inURL = true
		case c == '>' && !inQuote:
			inURL = false
		case c == '"' && !inURL:
			inQuote = !inQuote
		case c == ',' && !inURL && !inQuote:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

func contentType(resp *http.Response) string {
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		return "no content type"
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	return strconv.Quote(ct)
}

func isJSON(mt string) bool {
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// parsePath parses a JSON pointer (/a/b) or a dotted path (a.b).
func parsePath(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	var parts []string
	if strings.HasPrefix(p, "/") {
		parts = strings.Split(p[1:], "/")
		for i, s := range parts {
			parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
		}
	} else {
		parts = strings.Split(p, ".")
		if slices.Contains(parts, "") {
			return nil, fmt.Errorf("%q is neither a JSON pointer (/data/items) nor a dotted path (data.items)", p)
		}
	}
	return parts, nil
}

// lookup follows path in v.
func lookup(v any, path []string) (any, bool) {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[p]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func keyText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, int64, float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if t.IsZero() || d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

var _ interface {
	connectors.Source
	connectors.Seeker
} = (*Source)(nil)
