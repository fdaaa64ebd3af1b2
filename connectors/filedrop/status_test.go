package filedrop_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors"
)

// TestRetriesWithBackoffAndReportsStatus starts the connector on a directory
// that is not there yet: the runtime retries Connect with backoff, says why
// in its status, and reads once the directory appears; the status then
// counts what went in, out and to the dead-letter topic.
func TestRetriesWithBackoffAndReportsStatus(t *testing.T) {
	e := newEnv(t)
	events := e.Collect(wasteTopic)
	base := e.dir
	e.dir = filepath.Join(base, "later")
	r := e.Start(e.wasteYAML(""))
	waitFor(t, "a connect error in the status", 5*time.Second, func() bool {
		return strings.Contains(r.Runtime.Status().LastError, "no such file or directory")
	})
	if st := r.Runtime.Status(); st.State != connectors.StateBackoff && st.State != connectors.StateConnecting {
		t.Errorf("state = %s while the directory is missing", st.State)
	}

	if err := os.Mkdir(e.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, "testdata/matsvinn-cp1252.csv", filepath.Join(e.dir, "matsvinn.csv"))
	copyFile(t, "testdata/matsvinn-cp1252.csv", filepath.Join(e.dir, "matsvinn-2.csv"))
	// The second file has the same rows: the same 3 events, by id.
	waitFor(t, "6 events", 10*time.Second, func() bool { return len(events.All()) == 6 })
	if n := len(unique(events.All())); n != 3 {
		t.Errorf("%d distinct ids for the same 3 rows in two files, want 3", n)
	}
	waitFor(t, "the status to count both files and no lag", 5*time.Second, func() bool {
		st := r.Runtime.Status()
		return st.RecordsIn == 12 && st.RecordsOut == 6 && st.Failed == 6 && st.Lag == 0
	})
	st := r.Runtime.Status()
	if st.State != connectors.StateRunning || st.LastSuccess.IsZero() || st.Connector != "kitchen-waste" {
		t.Errorf("status = %+v", st)
	}
	r.Stop()
	if st := r.Runtime.Status(); st.State != connectors.StateStopped {
		t.Errorf("state after stop = %s", st.State)
	}
}
