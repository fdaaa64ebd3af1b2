package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// TestCSVFile: a version's CSV, stored in several chunks at AddVersion, is
// served whole (hashing to the version's sha256, as the rows write it),
// by ranges across a chunk's end, and as HEAD; rows that do not hash to
// the sha256 store nothing.
func TestCSVFile(t *testing.T) {
	for name, dsn := range storeDSNs(t) {
		t.Run(name, func(t *testing.T) {
			svc, err := New(context.Background(), Config{DB: dsn(t), BaseURL: "https://data.vasteras.se"})
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Close()
			rows := weatherRows(60_000) // about 1.7 MB: two chunks
			v := seedVersion(t, svc.store, weatherDef, 1, time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC), weatherCols, rows)
			mux := http.NewServeMux()
			svc.Mount(mux)
			srv := httptest.NewServer(mux)
			defer srv.Close()
			u := srv.URL + "/datasets/" + weatherDef.Name + "/versions/1.csv"

			resp, whole := get(t, u)
			if resp.StatusCode != 200 || sha(whole) != v.SHA256 || len(whole) <= csvChunkSize {
				t.Fatalf("whole CSV: status %d, %d bytes, sha256 matches %v", resp.StatusCode, len(whole), sha(whole) == v.SHA256)
			}
			var fromRows bytes.Buffer
			err = writeCSV(false)(&fromRows, v, func(fn func(Row) error) error {
				for _, r := range rows {
					if err := fn(r); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil || !bytes.Equal(fromRows.Bytes(), whole) {
				t.Errorf("the stored CSV differs from the rows' CSV (%v)", err)
			}
			from, to := csvChunkSize-10, csvChunkSize+5000
			resp, part := get(t, u, "Range", "bytes="+strconv.Itoa(from)+"-"+strconv.Itoa(to))
			if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, whole[from:to+1]) {
				t.Errorf("range across a chunk's end: status %d, %d bytes, equal %v", resp.StatusCode, len(part), bytes.Equal(part, whole[from:to+1]))
			}
			resp, _ = do(t, http.MethodHead, u)
			if resp.ContentLength != int64(len(whole)) || resp.Header.Get("ETag") != `"`+v.SHA256+`"` {
				t.Errorf("HEAD: length %d, ETag %s", resp.ContentLength, resp.Header.Get("ETag"))
			}
			resp, _ = get(t, u, "If-None-Match", `"`+v.SHA256+`"`)
			if resp.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match: status %d", resp.StatusCode)
			}

			f, err := svc.store.CSVFile(context.Background(), weatherDef.ID, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := io.ReadAll(f); err != nil || !bytes.Equal(got, whole) {
				t.Errorf("CSVFile read through: %d bytes, %v", len(got), err)
			}

			wrong := v
			wrong.Version, wrong.SHA256 = 2, sha([]byte("not this"))
			defJSON, _ := json.Marshal(weatherDef)
			if _, err := svc.store.AddVersion(context.Background(), weatherDef, defJSON, wrong, func(add func(Row) error) error {
				return add(rows[0])
			}); err == nil {
				t.Error("rows that do not hash to the sha256 were stored")
			}
			if _, err := svc.store.CSVFile(context.Background(), weatherDef.ID, 2); !errors.Is(err, ErrNotFound) {
				t.Errorf("the CSV of a version that failed: %v, want ErrNotFound", err)
			}
		})
	}
}
