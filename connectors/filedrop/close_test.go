package filedrop_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors/connectortest"
	"go.uber.org/goleak"
)

// TestCleanClose: a Runtime stopped in the middle of a file returns, closes
// the file (it can be renamed and removed) and leaves no goroutine behind.
func TestCleanClose(t *testing.T) {
	e := newEnv(t)
	events := e.Collect(wasteTopic)
	if err := os.WriteFile(filepath.Join(e.dir, "big.csv"), wasteCSV(3000), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := goleak.IgnoreCurrent()
	r := e.Start(strings.Replace(e.wasteYAML("  batch_size: 10"), "encoding: windows-1252", "encoding: utf-8", 1))
	waitFor(t, "the first events", 10*time.Second, func() bool { return len(events.All()) >= 50 })
	r.Stop()
	connectortest.VerifyNoLeaks(t, opts)
	if err := os.Rename(filepath.Join(e.dir, "big.csv"), filepath.Join(e.dir, "moved.csv")); err != nil {
		t.Errorf("the file is still held: %v", err)
	}
}
