package release_test

import (
	"testing"
	"time"

	"github.com/vasteras/civicbus/services/opendata/release"
)

// A row missing a quasi-identifier is suppressed, not a reason to refuse
// the whole release.
func TestMissingQuasiIdentifier(t *testing.T) {
	d := load(t, micro)
	rows := applications(d, 200)
	rows[5][2] = nil
	rows[6][1] = nil
	out, err := release.Build(release.Input{Def: d, Version: 1, Rows: rows, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Report.Results
	if r.RecordsSuppressed < 2 || len(out.Rows)+r.RecordsSuppressed != 200 {
		t.Errorf("%d rows out, %d suppressed of 200: the rows missing a quasi-identifier must be left out and counted", len(out.Rows), r.RecordsSuppressed)
	}
}
