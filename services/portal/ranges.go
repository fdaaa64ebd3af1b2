package portal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Ranges of the formats written from the rows (every format but a stored
// comma CSV): the writers are deterministic, so a range is the same bytes
// as the whole file's, written again and cut. The file's size is worked
// out by writing it once and kept per ETag. Only a single range is served;
// a request for several gets the whole file (RFC 9110 §14.2 allows it).

// errRangeDone stops a writer once its range is written.
var errRangeDone = errors.New("portal: range written")

// rangeWriter passes on the bytes of w's output from skip on, left of them.
type rangeWriter struct {
	w          io.Writer
	skip, left int64
}

func (rw *rangeWriter) Write(p []byte) (int, error) {
	n := len(p)
	if rw.skip > 0 {
		if int64(len(p)) <= rw.skip {
			rw.skip -= int64(len(p))
			return n, nil
		}
		p, rw.skip = p[rw.skip:], 0
	}
	if int64(len(p)) > rw.left {
		p = p[:rw.left]
	}
	if len(p) > 0 {
		if _, err := rw.w.Write(p); err != nil {
			return 0, err
		}
		rw.left -= int64(len(p))
	}
	if rw.left == 0 {
		return n, errRangeDone
	}
	return n, nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// sizeCache keeps the size of each file written from rows, by ETag.
type sizeCache struct {
	mu sync.Mutex
	m  map[string]int64
}

// formatSize is the size of version v in format f, written once to count
// it the first time.
func (s *Service) formatSize(ctx context.Context, d Dataset, v Version, f format, etag string) (int64, error) {
	s.sizes.mu.Lock()
	n, ok := s.sizes.m[etag]
	s.sizes.mu.Unlock()
	if ok {
		return n, nil
	}
	var c countWriter
	if err := f.write(&c, d.Definition, v, s.rowsOf(ctx, v, nil)); err != nil {
		return 0, err
	}
	s.sizes.mu.Lock()
	if s.sizes.m == nil || len(s.sizes.m) >= 4096 {
		s.sizes.m = map[string]int64{}
	}
	s.sizes.m[etag] = c.n
	s.sizes.mu.Unlock()
	return c.n, nil
}

// rowsOf reads version v's rows, stopping once rw (when set) has its
// range.
func (s *Service) rowsOf(ctx context.Context, v Version, rw *rangeWriter) func(func(Row) error) error {
	return func(fn func(Row) error) error {
		return s.store.Rows(ctx, v.DatasetID, v.Version, 0, 0, func(_ int64, row Row) error {
			if rw != nil && rw.left == 0 {
				return errRangeDone
			}
			return fn(row)
		})
	}
}

// parseRange reads a Range header of one byte range against a file of
// size bytes: ok is false when the header is not one byte range (the
// whole file is sent), satisfiable false when it starts past the end.
func parseRange(h string, size int64) (start, end int64, ok, satisfiable bool) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, false
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, false
	}
	if a == "" { // the last b bytes
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, false, false
		}
		if size == 0 {
			return 0, 0, true, false
		}
		return max(0, size-n), size - 1, true, true
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return 0, 0, false, false
	}
	end = size - 1
	if b != "" {
		if end, err = strconv.ParseInt(b, 10, 64); err != nil || end < start {
			return 0, 0, false, false
		}
		end = min(end, size-1)
	}
	if start >= size {
		return 0, 0, true, false
	}
	return start, end, true, true
}

// serveRange answers a Range request for a format written from the rows:
// 206 with the range, or 416 when it starts past the end. It reports false,
// having written nothing, when the request is not for one byte range.
func (s *Service) serveRange(w http.ResponseWriter, r *http.Request, d Dataset, v Version, f format, etag string) bool {
	size, err := s.formatSize(r.Context(), d, v, f, etag)
	if err != nil {
		s.fail(w, r, err)
		return true
	}
	start, end, ok, satisfiable := parseRange(r.Header.Get("Range"), size)
	if !ok {
		return false
	}
	h := w.Header()
	if !satisfiable {
		h.Set("Content-Range", fmt.Sprintf("bytes */%d", size))
		http.Error(w, "range not satisfiable", http.StatusRequestedRangeNotSatisfiable)
		return true
	}
	h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, size))
	h.Set("Content-Length", strconv.FormatInt(end-start+1, 10))
	w.WriteHeader(http.StatusPartialContent)
	if r.Method == http.MethodHead {
		return true
	}
	rw := &rangeWriter{w: w, skip: start, left: end - start + 1}
	err = f.write(rw, d.Definition, v, s.rowsOf(r.Context(), v, rw))
	if errors.Is(err, errRangeDone) || err == nil && rw.left == 0 {
		return true
	}
	if err == nil {
		err = errors.New("the file came out shorter than its size")
	}
	s.cfg.Logger.Warn("download range cut short", "dataset", d.Name, "version", v.Version, "format", f.suffix, "err", err)
	panic(http.ErrAbortHandler)
}
