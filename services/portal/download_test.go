package portal

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func get(t *testing.T, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	return do(t, http.MethodGet, url, header...)
}

func do(t *testing.T, method, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// A transport of its own that leaves gzip to the test.
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestDownloads downloads both versions in every format from a real
// open-data service's announcements: the CSV hashes to the announced
// sha256, the others hold the same rows.
func TestDownloads(t *testing.T) {
	s := newStack(t, dsnSQLite(t))
	s.feed(t, 2019)
	v1 := s.publishVersion(t)
	s.feed(t, 2020)
	v2 := s.publishVersion(t)
	base := s.srv.URL + "/datasets/" + popName

	resp, csv1 := get(t, base+"/versions/1.csv")
	if resp.StatusCode != 200 || sha(csv1) != v1.SHA256 {
		t.Fatalf("versions/1.csv: %d, sha256 %s; want 200, the announced %s", resp.StatusCode, sha(csv1), v1.SHA256)
	}
	if got := resp.Header.Get("ETag"); got != `"`+v1.SHA256+`"` {
		t.Errorf("ETag %s, want the sha256", got)
	}
	if got := resp.Header.Get("Content-Disposition"); got != "attachment; filename=population-by-age-band-v1.csv" {
		t.Errorf("Content-Disposition %s", got)
	}
	if resp.Header.Get("Last-Modified") == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("headers %v", resp.Header)
	}
	resp, latest := get(t, base+"/latest.csv")
	if resp.StatusCode != 200 || sha(latest) != v2.SHA256 {
		t.Errorf("latest.csv: %d, sha256 %s; want version 2's %s", resp.StatusCode, sha(latest), v2.SHA256)
	}
	rows, err := csv.NewReader(bytes.NewReader(latest)).ReadAll()
	if err != nil || int64(len(rows)) != v2.RowCount+1 || strings.Join(rows[0], ",") != strings.Join(v2.Columns, ",") {
		t.Fatalf("latest.csv: %d records, header %v, %v", len(rows), rows[0], err)
	}

	// The Swedish CSV: the same records, separated by semicolons.
	for _, u := range []string{base + "/latest-sv.csv", base + "/latest.csv?sep=semicolon", s.srv.URL + "/datasets/" + popID + "/versions/2-sv.csv"} {
		resp, sv := get(t, u)
		r := csv.NewReader(bytes.NewReader(sv))
		r.Comma = ';'
		svRows, err := r.ReadAll()
		if resp.StatusCode != 200 || err != nil || len(svRows) != len(rows) || strings.Join(svRows[5], "|") != strings.Join(rows[5], "|") {
			t.Errorf("%s: %d, %d records, %v", u, resp.StatusCode, len(svRows), err)
		}
	}

	// JSON and NDJSON: objects with the same values.
	resp, js := get(t, base+"/versions/2.json")
	var objs []map[string]any
	if err := json.Unmarshal(js, &objs); err != nil || resp.StatusCode != 200 || int64(len(objs)) != v2.RowCount {
		t.Fatalf("2.json: %d, %d objects, %v", resp.StatusCode, len(objs), err)
	}
	if objs[0]["area_name"] != rows[1][1] {
		t.Errorf("2.json's first object %v, the CSV's first row %v", objs[0], rows[1])
	}
	resp, nd := get(t, base+"/versions/2.ndjson")
	sc := bufio.NewScanner(bytes.NewReader(nd))
	lines := 0
	for sc.Scan() {
		var obj map[string]any
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatalf("2.ndjson line %d: %v", lines+1, err)
		}
		lines++
	}
	if resp.StatusCode != 200 || int64(lines) != v2.RowCount {
		t.Errorf("2.ndjson: %d, %d lines", resp.StatusCode, lines)
	}

	// gzip when asked, the same bytes inside.
	resp, gz := get(t, base+"/versions/1.csv", "Accept-Encoding", "gzip")
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %v, Content-Encoding %q", err, resp.Header.Get("Content-Encoding"))
	}
	plain, _ := io.ReadAll(zr)
	if sha(plain) != v1.SHA256 || resp.Header.Get("ETag") == `"`+v1.SHA256+`"` {
		t.Errorf("gzipped CSV: sha256 %s, ETag %s", sha(plain), resp.Header.Get("ETag"))
	}

	// Conditional requests and HEAD.
	resp, body := get(t, base+"/versions/1.csv", "If-None-Match", `"`+v1.SHA256+`"`)
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("If-None-Match: %d with %d bytes, want 304 and none", resp.StatusCode, len(body))
	}
	resp, body = get(t, base+"/versions/1.csv", "If-Modified-Since", resp.Header.Get("Last-Modified"))
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d, want 304", resp.StatusCode)
	}
	resp, body = do(t, http.MethodHead, base+"/versions/1.csv")
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("ETag") != `"`+v1.SHA256+`"` {
		t.Errorf("HEAD: %d with %d bytes, ETag %s", resp.StatusCode, len(body), resp.Header.Get("ETag"))
	}

	// Redirects and what is not there.
	resp, _ = get(t, base+"/versions/1")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/datasets/"+popName+"/versions/1.csv" {
		t.Errorf("versions/1: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, u := range []string{"/versions/3.csv", "/versions/0.csv", "/versions/x.csv", "/versions/1.xml", "/latest.xml", "/other.csv"} {
		if resp, _ := get(t, base+u); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", u, resp.StatusCode)
		}
	}
	if resp, _ := get(t, s.srv.URL+"/datasets/no-such/latest.csv"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown dataset: %d, want 404", resp.StatusCode)
	}
}

func TestCellText(t *testing.T) {
	for _, c := range []struct {
		raw          string
		decimalComma bool
		want         string
	}{
		{`null`, false, ""},
		{`"a,b \"c\""`, false, `a,b "c"`},
		{`"1.5"`, true, "1.5"}, // a string stays as it is
		{`1.5`, false, "1.5"},
		{`1.5`, true, "1,5"},
		{`-0.25`, true, "-0,25"},
		{`1e+21`, true, "1e+21"},
		{`true`, true, "true"},
		{`12`, true, "12"},
	} {
		if got := cellText(json.RawMessage(c.raw), c.decimalComma); got != c.want {
			t.Errorf("cellText(%s, %v) = %q, want %q", c.raw, c.decimalComma, got, c.want)
		}
	}
}
