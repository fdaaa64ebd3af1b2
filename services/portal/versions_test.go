package portal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
)

// checkVersionFiles downloads version v of the weather dataset in every
// format and checks each holds its rows: the CSV hashes to v's sha256,
// the Swedish CSV, JSON, NDJSON and Parquet have its row count, and the
// Parquet rows are /api/v1's.
func checkVersionFiles(t *testing.T, s *seeded, v Version) {
	t.Helper()
	base := s.srv.URL + "/datasets/" + weatherDef.Name + "/versions/" + strconv.Itoa(v.Version)
	resp, b := get(t, base+".csv")
	if resp.StatusCode != 200 || sha(b) != v.SHA256 {
		t.Fatalf("%d.csv: %d, sha256 %s, want %s", v.Version, resp.StatusCode, sha(b), v.SHA256)
	}
	resp, b = get(t, base+"-sv.csv")
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = ';'
	if recs, err := r.ReadAll(); resp.StatusCode != 200 || err != nil || int64(len(recs)) != v.RowCount+1 {
		t.Errorf("%d-sv.csv: %d, %d records, %v", v.Version, resp.StatusCode, len(recs), err)
	}
	resp, b = get(t, base+".json")
	var objs []map[string]any
	if err := json.Unmarshal(b, &objs); resp.StatusCode != 200 || err != nil || int64(len(objs)) != v.RowCount {
		t.Errorf("%d.json: %d, %d objects, %v", v.Version, resp.StatusCode, len(objs), err)
	}
	resp, b = get(t, base+".ndjson")
	lines := 0
	for sc := bufio.NewScanner(bytes.NewReader(b)); sc.Scan(); lines++ {
		if !json.Valid(sc.Bytes()) {
			t.Fatalf("%d.ndjson line %d is not JSON", v.Version, lines+1)
		}
	}
	if resp.StatusCode != 200 || int64(lines) != v.RowCount {
		t.Errorf("%d.ndjson: %d, %d lines", v.Version, resp.StatusCode, lines)
	}
	resp, b = get(t, base+".parquet")
	if resp.StatusCode != 200 {
		t.Fatalf("%d.parquet: %d", v.Version, resp.StatusCode)
	}
	_, _, _, got := readParquet(t, b)
	_, want := v1Rows(t, s.srv.URL, weatherDef.Name, v.Version)
	if int64(len(got)) != v.RowCount || len(want) != len(got) {
		t.Fatalf("%d.parquet: %d rows, the API %d, the version %d", v.Version, len(got), len(want), v.RowCount)
	}
	for i := range want {
		for j, typ := range []string{"string", "date", "number", "integer"} {
			if !sameValue(typ, got[i][j], want[i][j]) {
				t.Fatalf("%d.parquet: row %d column %d is %v, the API's %s", v.Version, i+1, j+1, got[i][j], want[i][j])
			}
		}
	}
}

// TestEveryVersionDownloadable downloads version 1 after version 2 exists,
// in every format: with its stored CSV, without it (a version harvested
// before the portal kept it: written from its rows), and after
// Store.BackfillCSV stored it (ranges again). A version whose rows do not
// hash to its sha256 gets no CSV from the backfill.
func TestEveryVersionDownloadable(t *testing.T) {
	for name, dsn := range storeDSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := newSeededAt(t, dsn(t))
			st := s.svc.store
			vs, err := st.Versions(ctx, weatherDef.ID)
			if err != nil || len(vs) != 2 {
				t.Fatalf("versions: %v, %v", vs, err)
			}
			v2, v1 := vs[0], vs[1]
			checkVersionFiles(t, s, v1)
			checkVersionFiles(t, s, v2)

			// Version 1 as harvested before the stored CSV.
			if _, err := st.db.ExecContext(ctx, st.db.Q(`DELETE FROM portal_version_csv WHERE dataset_id = ? AND version = 1`), weatherDef.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := st.CSVFile(ctx, weatherDef.ID, 1); !errors.Is(err, ErrNotFound) {
				t.Fatalf("version 1's CSV after the delete: %v", err)
			}
			checkVersionFiles(t, s, v1)

			if n, err := st.BackfillCSV(ctx); n != 1 || err != nil {
				t.Fatalf("BackfillCSV: %d, %v; want 1", n, err)
			}
			if n, err := st.BackfillCSV(ctx); n != 0 || err != nil {
				t.Fatalf("BackfillCSV again: %d, %v; want 0", n, err)
			}
			checkVersionFiles(t, s, v1)
			_, whole := get(t, s.srv.URL+"/datasets/"+weatherDef.Name+"/versions/1.csv")
			resp, part := get(t, s.srv.URL+"/datasets/"+weatherDef.Name+"/versions/1.csv", "Range", "bytes=10-99")
			if resp.StatusCode != 206 || !bytes.Equal(part, whole[10:100]) {
				t.Errorf("a range of the backfilled CSV: %d, %q", resp.StatusCode, part)
			}

			// A version whose stored rows no longer hash to its sha256.
			if _, err := st.db.ExecContext(ctx, st.db.Q(`DELETE FROM portal_version_csv WHERE dataset_id = ? AND version = 2`), weatherDef.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := st.db.ExecContext(ctx, st.db.Q(`UPDATE portal_version_rows SET row_json = ? WHERE dataset_id = ? AND version = 2 AND row_no = 7`),
				`["X","2024-01-07",1.5,null]`, weatherDef.ID); err != nil {
				t.Fatal(err)
			}
			if n, err := st.BackfillCSV(ctx); n != 0 || err == nil {
				t.Errorf("BackfillCSV of a changed version: %d, %v; want 0 and an error", n, err)
			}
			if _, err := st.CSVFile(ctx, weatherDef.ID, 2); !errors.Is(err, ErrNotFound) {
				t.Errorf("the changed version has a CSV after the backfill: %v", err)
			}
		})
	}
}
