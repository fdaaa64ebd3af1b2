package filedrop_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	// The broker runs in this process: its goroutines serving connections
	// are the broker's, not the connector's. The collector's subscriber
	// starts its partition readers lazily, some after the snapshot; the
	// connector itself reads no Kafka partition.
	goleak.VerifyNone(t, opts,
		goleak.IgnoreAnyFunction("github.com/vasteras/civicbus/bus.(*Subscriber).consumePartition"),
		goleak.IgnoreAnyFunction("github.com/segmentio/kafka-go.(*reader).run"),
		goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*clientConn).read.func1"),
		goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*clientConn).read"),
		goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*clientConn).write"))
	if err := os.Rename(filepath.Join(e.dir, "big.csv"), filepath.Join(e.dir, "moved.csv")); err != nil {
		t.Errorf("the file is still held: %v", err)
	}
}
