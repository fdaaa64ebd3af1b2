package portal

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clientLeft reports whether a download's error is only its client going
// away: the request's context ended, or writing to the connection failed
// with a broken pipe or a reset.
func clientLeft(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, context.Canceled) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// A download format: its file suffix, media type and writer, which gets
// the dataset's definition for the columns' types.
type format struct {
	suffix    string // after the version number or "latest"
	mediaType string
	write     func(w io.Writer, def Definition, v Version, rows func(func(Row) error) error) error
	// compressed formats are never gzipped.
	compressed bool
}

// formats are the download formats, by suffix. "-sv.csv" is the CSV for
// Swedish spreadsheets (semicolon, decimal comma); so is ".csv?sep=semicolon".
var formats = map[string]format{
	".csv":     {".csv", "text/csv; charset=utf-8", untyped(writeCSV(false)), false},
	"-sv.csv":  {"-sv.csv", "text/csv; charset=utf-8", untyped(writeCSV(true)), false},
	".json":    {".json", "application/json", untyped(writeJSONArray), false},
	".ndjson":  {".ndjson", "application/x-ndjson", untyped(writeNDJSON), false},
	".parquet": {".parquet", mediaTypeParquet, writeParquet, true},
}

// mediaTypeParquet is Parquet's IANA media type.
const mediaTypeParquet = "application/vnd.apache.parquet"

// untyped is a writer that needs no column types.
func untyped(write func(io.Writer, Version, func(func(Row) error) error) error) func(io.Writer, Definition, Version, func(func(Row) error) error) error {
	return func(w io.Writer, _ Definition, v Version, rows func(func(Row) error) error) error {
		return write(w, v, rows)
	}
}

// splitFile splits a file name as "3.csv", "latest-sv.csv" or "3" into its
// stem and its format (the zero format when it has none).
func splitFile(file string) (stem string, f format, ok bool) {
	for _, suffix := range []string{"-sv.csv", ".csv", ".json", ".ndjson", ".parquet"} {
		if s, found := strings.CutSuffix(file, suffix); found {
			return s, formats[suffix], true
		}
	}
	return file, format{}, !strings.Contains(file, ".")
}

func writeCSV(swedish bool) func(io.Writer, Version, func(func(Row) error) error) error {
	return func(w io.Writer, v Version, rows func(func(Row) error) error) error {
		cw := newCSVWriter(w, swedish)
		if err := cw.header(v.Columns); err != nil {
			return err
		}
		if err := rows(cw.row); err != nil {
			return err
		}
		return cw.flush()
	}
}

// writeObject writes a row as a JSON object whose keys are in column order.
func writeObject(w *bufio.Writer, keys [][]byte, r Row) {
	w.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			w.WriteByte(',')
		}
		w.Write(k)
		w.WriteByte(':')
		if i < len(r) && len(r[i]) > 0 {
			w.Write(r[i])
		} else {
			w.WriteString("null")
		}
	}
	w.WriteByte('}')
}

// objectKeys are the columns as JSON strings.
func objectKeys(cols []string) [][]byte {
	keys := make([][]byte, len(cols))
	for i, c := range cols {
		keys[i], _ = json.Marshal(c)
	}
	return keys
}

func writeJSONArray(w io.Writer, v Version, rows func(func(Row) error) error) error {
	bw := bufio.NewWriter(w)
	keys := objectKeys(v.Columns)
	bw.WriteByte('[')
	first := true
	err := rows(func(r Row) error {
		if !first {
			bw.WriteByte(',')
		}
		first = false
		bw.WriteByte('\n')
		writeObject(bw, keys, r)
		return nil
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
}

func writeNDJSON(w io.Writer, v Version, rows func(func(Row) error) error) error {
	bw := bufio.NewWriter(w)
	keys := objectKeys(v.Columns)
	err := rows(func(r Row) error {
		writeObject(bw, keys, r)
		return bw.WriteByte('\n')
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// handleVersionFile serves GET /datasets/{id}/versions/{file}: "{n}.csv",
// "{n}-sv.csv", "{n}.json", "{n}.ndjson", "{n}.parquet", and "{n}" itself,
// which redirects to the version's CSV.
func (s *Service) handleVersionFile(w http.ResponseWriter, r *http.Request) {
	stem, f, ok := splitFile(r.PathValue("file"))
	n, err := strconv.Atoi(stem)
	if !ok || err != nil || n < 1 {
		s.notFound(w, r)
		return
	}
	if f.suffix == "" {
		http.Redirect(w, r, strconv.Itoa(n)+".csv", http.StatusFound)
		return
	}
	d, err := s.dataset(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.store.Version(r.Context(), d.ID, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.download(w, r, d, v, f)
}

// handleLatestFile serves GET /datasets/{id}/latest.{csv,json,ndjson,parquet}
// and latest-sv.csv: the dataset's newest version.
func (s *Service) handleLatestFile(w http.ResponseWriter, r *http.Request) {
	stem, f, ok := splitFile(r.PathValue("file"))
	if !ok || stem != "latest" || f.suffix == "" {
		s.notFound(w, r)
		return
	}
	d, err := s.dataset(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.download(w, r, d, d.Latest, f)
}

// download streams version v in format f: ?sep=semicolon turns the CSV into
// the Swedish one; the ETag is the version's sha256 (with the format's
// suffix but for the comma CSV); gzip when the client accepts it, but for
// Parquet, which is compressed. The
// comma CSV is the stored file (see Store.CSVFile), served with ranges
// when not gzipped; the other formats, and the CSV of a version stored
// without its file, are written from the rows, and so are their ranges
// (see serveRange).
func (s *Service) download(w http.ResponseWriter, r *http.Request, d Dataset, v Version, f format) {
	if f.suffix == ".csv" && r.URL.Query().Get("sep") == "semicolon" {
		f = formats["-sv.csv"]
	}
	var file io.ReadSeeker
	if f.suffix == ".csv" {
		var err error
		if file, err = s.store.CSVFile(r.Context(), v.DatasetID, v.Version); err != nil && !errors.Is(err, ErrNotFound) {
			s.fail(w, r, err)
			return
		}
	}
	gz := acceptsGzip(r) && !f.compressed
	etag := v.SHA256
	if f.suffix != ".csv" {
		etag += strings.ReplaceAll(f.suffix, ".", "-")
	}
	if gz {
		etag += "-gzip"
	}
	etag = `"` + etag + `"`
	h := w.Header()
	h.Set("Content-Type", f.mediaType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fmt.Sprintf("%s-v%d%s", d.Name, v.Version, f.suffix)}))
	h.Set("ETag", etag)
	h.Set("Last-Modified", v.PublishedAt.UTC().Format(http.TimeFormat))
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("Vary", "Accept-Encoding")
	if notModified(r, etag, v.PublishedAt) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if file != nil && !gz {
		http.ServeContent(w, r, "", time.Time{}, file)
		return
	}
	if !gz {
		h.Set("Accept-Ranges", "bytes")
		if ir := r.Header.Get("If-Range"); r.Header.Get("Range") != "" && (ir == "" || ir == etag) && s.serveRange(w, r, d, v, f, etag) {
			return
		}
	}
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	if r.Method == http.MethodHead {
		return
	}
	var out io.Writer = w
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(w)
		out = zw
	}
	rows := func(fn func(Row) error) error {
		return s.store.Rows(r.Context(), v.DatasetID, v.Version, 0, 0, func(_ int64, row Row) error { return fn(row) })
	}
	var err error
	if file != nil {
		_, err = io.Copy(out, file)
	} else {
		err = f.write(out, d.Definition, v, rows)
	}
	if err == nil && zw != nil {
		err = zw.Close()
	}
	if err != nil {
		// The status is sent: all that is left is to cut the body short,
		// with no gzip trailer, so the client cannot take it for whole.
		if clientLeft(r.Context(), err) {
			// Nothing wrong on this side: a reader who stops a download is
			// no reason to warn whoever watches the log.
			s.cfg.Logger.Debug("download ended: the client left", "dataset", d.Name, "version", v.Version, "format", f.suffix)
		} else {
			s.cfg.Logger.Warn("download cut short", "dataset", d.Name, "version", v.Version, "format", f.suffix, "err", err)
		}
		panic(http.ErrAbortHandler)
	}
}

// acceptsGzip reports whether the request's Accept-Encoding takes gzip.
func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// notModified evaluates If-None-Match, else If-Modified-Since (RFC 9110 §13.2.2).
func notModified(r *http.Request, etag string, modified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for tag := range strings.SplitSeq(inm, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" || tag == etag {
				return true
			}
		}
		return false
	}
	since, err := http.ParseTime(r.Header.Get("If-Modified-Since"))
	return err == nil && !modified.Truncate(time.Second).After(since)
}

// fail answers a store error: 404 for ErrNotFound, else 500 (the error is
// logged, never shown).
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrNotFound) {
		s.notFound(w, r)
		return
	}
	s.cfg.Logger.Error("portal request", "route", r.Pattern, "err", err) // the route, never what the client typed
	http.Error(w, "internal error", http.StatusInternalServerError)
}
