package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vasteras/civicbus/connectors"
)

// retryAfter is what a 503 asks the sender to wait, in seconds.
const retryAfter = "5"

// Outcome is one record's answer in an NDJSON request's response.
type Outcome struct {
	Line   int    `json:"line,omitempty"` // its line in an NDJSON body
	Status string `json:"status"`         // accepted, dead-letter or not-on-the-bus
	Error  string `json:"error,omitempty"`
}

// The statuses of an Outcome.
const (
	Accepted   = "accepted"
	DeadLetter = "dead-letter"
	NotOnBus   = "not-on-the-bus"
)

// Response is the JSON body of every answer: Status and Error for a single
// record or a refused request, Records for an NDJSON body.
type Response struct {
	Status  string    `json:"status,omitempty"`
	Error   string    `json:"error,omitempty"`
	Records []Outcome `json:"records,omitempty"`
}

// serve takes one POST: see the package documentation.
func (s *Source) serve(w http.ResponseWriter, r *http.Request) {
	secret, open := s.state()
	if !open {
		unavailable(w, "the connector is not connected")
		return
	}
	if s.cfg.HMAC == nil && !bearerOK(r.Header.Get("Authorization"), secret) {
		s.refuse(w, "missing or wrong bearer token")
		return
	}
	ndjson, ok := mediaType(r.Header.Get("Content-Type"))
	if !ok {
		answer(w, http.StatusUnsupportedMediaType, Response{Error: "the body must be application/json (one record) or application/x-ndjson"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		answer(w, http.StatusRequestEntityTooLarge, Response{Error: "the body is larger than " + strconv.FormatInt(s.maxBody, 10) + " bytes"})
		return
	case err != nil:
		answer(w, http.StatusBadRequest, Response{Error: "reading the body failed"})
		return
	}
	if h := s.cfg.HMAC; h != nil {
		if why := signatureProblem(h, r.Header, body, secret, time.Now()); why != "" {
			s.refuse(w, why)
			return
		}
	}
	s.take(w, r, body, ndjson)
}

// take queues the records of body and answers once their fate is known.
func (s *Source) take(w http.ResponseWriter, r *http.Request, body []byte, ndjson bool) {
	key := ""
	if s.cfg.KeyHeader != "" {
		key = r.Header.Get(s.cfg.KeyHeader)
	}
	type result struct {
		i   int
		err error
	}
	var recs []recordAt
	if ndjson {
		for i, line := range bytes.Split(body, []byte("\n")) {
			if len(bytes.TrimSpace(line)) > 0 {
				recs = append(recs, recordAt{line: i + 1, raw: bytes.Clone(line)})
			}
		}
	} else {
		recs = []recordAt{{raw: body}}
	}
	if len(recs) == 0 {
		answer(w, http.StatusBadRequest, Response{Error: "the body holds no record"})
		return
	}
	if len(recs) > s.queue {
		answer(w, http.StatusRequestEntityTooLarge, Response{Error: "more records than the queue holds (" + strconv.Itoa(s.queue) + ")"})
		return
	}
	results := make(chan result, len(recs)) // Done never blocks
	batch := make([]connectors.Record, len(recs))
	for i, ra := range recs {
		rec := s.record(ra.raw, ra.line, key)
		rec.Done = func(err error) { results <- result{i, err} }
		batch[i] = rec
	}
	if !s.enqueue(batch) {
		unavailable(w, "the queue is full")
		return
	}
	outcomes := make([]Outcome, len(recs))
	for i, ra := range recs {
		outcomes[i] = Outcome{Line: ra.line, Status: NotOnBus, Error: "the bus did not take the record in time; send it again"}
	}
	// The request's context ends when the sender goes away; the records
	// are queued all the same and reach the bus.
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	for range recs {
		select {
		case res := <-results:
			outcomes[res.i] = outcome(recs[res.i].line, res.err)
		case <-ctx.Done():
			s.respond(w, ndjson, outcomes)
			return
		}
	}
	s.respond(w, ndjson, outcomes)
}

type recordAt struct {
	line int
	raw  []byte
}

func outcome(line int, err error) Outcome {
	switch {
	case err == nil:
		return Outcome{Line: line, Status: Accepted}
	case errors.Is(err, errClosed) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return Outcome{Line: line, Status: NotOnBus, Error: err.Error()}
	}
	return Outcome{Line: line, Status: DeadLetter, Error: err.Error()}
}

// respond answers the worst outcome: 503 when a record is not on the bus,
// 400 when one is a dead letter, else 202.
func (s *Source) respond(w http.ResponseWriter, ndjson bool, outcomes []Outcome) {
	code := http.StatusAccepted
	for _, o := range outcomes {
		switch {
		case o.Status == NotOnBus:
			code = http.StatusServiceUnavailable
		case o.Status == DeadLetter && code == http.StatusAccepted:
			code = http.StatusBadRequest
		}
	}
	if code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfter)
	}
	if ndjson {
		answer(w, code, Response{Records: outcomes})
		return
	}
	answer(w, code, Response{Status: outcomes[0].Status, Error: outcomes[0].Error})
}

// refuse answers 401 and logs why, never with a value.
func (s *Source) refuse(w http.ResponseWriter, why string) {
	s.logger.Warn("request refused", "path", s.path, "reason", why)
	if s.cfg.HMAC == nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="civicbus"`)
	}
	answer(w, http.StatusUnauthorized, Response{Error: why})
}

func unavailable(w http.ResponseWriter, why string) {
	w.Header().Set("Retry-After", retryAfter)
	answer(w, http.StatusServiceUnavailable, Response{Error: why + "; send again later"})
}

func answer(w http.ResponseWriter, code int, resp Response) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(resp)
}

// mediaType says whether ct is NDJSON; ok is false when it is neither JSON
// nor NDJSON.
func mediaType(ct string) (ndjson, ok bool) {
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err != nil:
		return false, false
	case mt == "application/x-ndjson" || mt == "application/jsonl":
		return true, true
	}
	return false, mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// bearerOK compares the token of an Authorization header with secret in
// constant time (of the hashes, so not even the length leaks).
func bearerOK(auth string, secret []byte) bool {
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	a, b := sha256.Sum256([]byte(strings.TrimSpace(token))), sha256.Sum256(secret)
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// signatureProblem checks the HMAC-SHA256 signature of body (and the
// timestamp, when configured) and says what is wrong, "" when nothing.
func signatureProblem(h *HMACConfig, hdr http.Header, body, secret []byte, now time.Time) string {
	sig := strings.TrimPrefix(strings.TrimSpace(hdr.Get(orDefault(h.Header, DefaultHeader))), "sha256=")
	got, err := hex.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return "missing or malformed signature"
	}
	mac := hmac.New(sha256.New, secret)
	if h.TimestampHeader != "" {
		ts := strings.TrimSpace(hdr.Get(h.TimestampHeader))
		secs, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return "missing or malformed timestamp"
		}
		if d := now.Sub(time.Unix(secs, 0)); d > h.tolerance() || d < -h.tolerance() {
			return "the timestamp is outside the tolerance (a stale or replayed delivery)"
		}
		mac.Write([]byte(ts + "."))
	}
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return "wrong signature"
	}
	return ""
}
