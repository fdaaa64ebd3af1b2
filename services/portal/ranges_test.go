package portal

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
)

// TestRangesOfWrittenFormats asks for byte ranges of the formats written
// from the rows (JSON, NDJSON, Swedish CSV, Parquet, and the CSV of a
// version without its stored file): each is the same bytes as the whole
// file's, with Content-Range; past the end is 416; a stale If-Range or
// several ranges get the whole file.
func TestRangesOfWrittenFormats(t *testing.T) {
	s := newSeeded(t)
	st := s.svc.store
	if _, err := st.db.ExecContext(t.Context(), st.db.Q(`DELETE FROM portal_version_csv WHERE dataset_id = ? AND version = 1`), weatherDef.ID); err != nil {
		t.Fatal(err)
	}
	base := s.srv.URL + "/datasets/" + weatherDef.Name
	for _, file := range []string{"/latest.json", "/latest.ndjson", "/latest-sv.csv", "/latest.parquet", "/versions/1.csv", "/versions/1.json"} {
		resp, whole := get(t, base+file)
		if resp.StatusCode != 200 || resp.Header.Get("Accept-Ranges") != "bytes" || len(whole) < 200 {
			t.Fatalf("%s: %d, Accept-Ranges %q, %d bytes", file, resp.StatusCode, resp.Header.Get("Accept-Ranges"), len(whole))
		}
		size := len(whole)
		for _, c := range []struct {
			header     string
			start, end int
		}{
			{"bytes=10-99", 10, 99}, {"bytes=0-0", 0, 0}, {"bytes=100-", 100, size - 1}, {"bytes=-50", size - 50, size - 1},
			{"bytes=5-" + strconv.Itoa(size+1000), 5, size - 1}, {"bytes=-" + strconv.Itoa(size+5), 0, size - 1},
		} {
			resp, part := get(t, base+file, "Range", c.header)
			want := "bytes " + strconv.Itoa(c.start) + "-" + strconv.Itoa(c.end) + "/" + strconv.Itoa(size)
			if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Range") != want || !bytes.Equal(part, whole[c.start:c.end+1]) {
				t.Errorf("%s %s: %d, Content-Range %q (want %q), %d bytes equal: %v", file, c.header, resp.StatusCode,
					resp.Header.Get("Content-Range"), want, len(part), bytes.Equal(part, whole[c.start:c.end+1]))
			}
		}
		if resp, _ := get(t, base+file, "Range", "bytes="+strconv.Itoa(size)+"-"); resp.StatusCode != http.StatusRequestedRangeNotSatisfiable ||
			resp.Header.Get("Content-Range") != "bytes */"+strconv.Itoa(size) {
			t.Errorf("%s past the end: %d, %q", file, resp.StatusCode, resp.Header.Get("Content-Range"))
		}
		for _, h := range [][]string{{"Range", "bytes=0-9,20-29"}, {"Range", "bytes=10-99", "If-Range", `"stale"`}, {"Range", "lines=1-2"}} {
			if resp, body := get(t, base+file, h...); resp.StatusCode != 200 || !bytes.Equal(body, whole) {
				t.Errorf("%s %v: %d with %d bytes, want the whole file", file, h, resp.StatusCode, len(body))
			}
		}
		etag := resp.Header.Get("ETag")
		if resp, part := get(t, base+file, "Range", "bytes=1-2", "If-Range", etag); resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, whole[1:3]) {
			t.Errorf("%s with If-Range %s: %d", file, etag, resp.StatusCode)
		}
	}
	// gzip takes no ranges.
	resp, _ := get(t, base+"/latest.json", "Range", "bytes=0-9", "Accept-Encoding", "gzip")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("a range of the gzipped JSON: %d, %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
}

func TestParseRange(t *testing.T) {
	for _, c := range []struct {
		h                string
		size, start, end int64
		ok, satisfiable  bool
	}{
		{"bytes=0-9", 100, 0, 9, true, true},
		{"bytes=90-200", 100, 90, 99, true, true},
		{"bytes=100-", 100, 0, 0, true, false},
		{"bytes=-10", 100, 90, 99, true, true},
		{"bytes=-0", 100, 0, 0, false, false},
		{"bytes=9-3", 100, 0, 0, false, false},
		{"bytes=a-b", 100, 0, 0, false, false},
		{"bytes=1-2,4-5", 100, 0, 0, false, false},
		{"items=1-2", 100, 0, 0, false, false},
		{"bytes=-5", 0, 0, 0, true, false},
	} {
		start, end, ok, sat := parseRange(c.h, c.size)
		if ok != c.ok || sat != c.satisfiable || sat && (start != c.start || end != c.end) {
			t.Errorf("parseRange(%q, %d) = %d, %d, %v, %v", c.h, c.size, start, end, ok, sat)
		}
	}
}
