package filedrop_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus/embedded"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestBrokerOutageMidFile stops the broker in the middle of a file and
// starts it again on the same address and data: the runtime retries, the
// checkpoint never runs ahead of the bus, and every row arrives, re-sends
// with the ids they had.
func TestBrokerOutageMidFile(t *testing.T) {
	data := t.TempDir()
	b1, err := embedded.Start(embedded.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b1.Close() })
	addr := b1.Addr()
	e := newEnvOn(t, addr)
	const rows, batch = 3000, 10
	if err := os.WriteFile(filepath.Join(e.dir, "big.csv"), wasteCSV(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	yaml := strings.Replace(e.wasteYAML(fmt.Sprintf("  batch_size: %d", batch)), "encoding: windows-1252", "encoding: utf-8", 1)
	r := e.Start(yaml)
	waitFor(t, "the first events", 10*time.Second, func() bool { return r.Runtime.Status().RecordsOut >= 200 })
	b1.Close()
	waitFor(t, "a publish error in the status", 15*time.Second, func() bool {
		return strings.Contains(r.Runtime.Status().LastError, "publish")
	})
	out := r.Runtime.Status().RecordsOut
	t.Logf("broker down after %d events: %s", out, r.Runtime.Status().LastError)

	testenv.BrokerWith(t, embedded.Config{Listen: addr, DataDir: data})
	waitFor(t, "the file in processed/", 60*time.Second, func() bool {
		return exists(filepath.Join(e.dir, "processed", "big.csv"))
	})
	events := e.Collect(wasteTopic)
	waitFor(t, "every row", 20*time.Second, func() bool { return len(unique(events.All())) == rows })
	if n := len(events.All()); n > rows+3*batch {
		t.Errorf("%d events for %d rows", n, rows)
	}
}
