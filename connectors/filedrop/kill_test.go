package filedrop_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/all"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas/contracts"
)

// The environment of the child process TestSIGKILLMidFile starts.
const (
	childEnv       = "CIVICBUS_FILEDROP_CHILD"
	childBrokerEnv = "CIVICBUS_FILEDROP_BROKER"
	childDBEnv     = "CIVICBUS_FILEDROP_DB"
	childYAMLEnv   = "CIVICBUS_FILEDROP_YAML"
)

// TestSIGKILLMidFile runs the connector in a child process, kills it with
// SIGKILL in the middle of a file, and starts another: every row arrives,
// and at most the batch in flight at the kill is sent twice, with the same
// ids, so a consumer that applies each id once sees every row exactly once.
func TestSIGKILLMidFile(t *testing.T) {
	b := testenv.Broker(t)
	e := newEnvOn(t, b.Addr())
	events := e.Collect(wasteTopic)
	const rows, batch = 5000, 10
	if err := os.WriteFile(filepath.Join(e.dir, "big.csv"), wasteCSV(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	yaml := strings.Replace(e.wasteYAML(fmt.Sprintf("  batch_size: %d", batch)), "encoding: windows-1252", "encoding: utf-8", 1)
	db := filepath.Join(t.TempDir(), "checkpoints.db")
	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestChildConnector$", "-test.v")
		cmd.Env = append(os.Environ(), childEnv+"=1", childBrokerEnv+"="+b.Addr(), childDBEnv+"="+db, childYAMLEnv+"="+yaml)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}

	first := child()
	waitFor(t, "the first events", 30*time.Second, func() bool { return len(events.All()) >= 500 })
	if err := first.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = first.Wait()
	killedAt := len(events.All())
	if !exists(filepath.Join(e.dir, "big.csv")) {
		t.Fatalf("the file was done before the kill (%d events); the test needs more rows", killedAt)
	}
	t.Logf("killed after %d events", killedAt)

	child()
	waitFor(t, "the file in processed/", 60*time.Second, func() bool {
		return exists(filepath.Join(e.dir, "processed", "big.csv"))
	})
	waitFor(t, "every row", 20*time.Second, func() bool { return len(unique(events.All())) == rows })
	if n := len(events.All()); n > rows+batch {
		t.Errorf("%d events for %d rows: more than the batch in flight was sent again", n, rows)
	}
}

// TestChildConnector is the child process of TestSIGKILLMidFile; run alone
// it does nothing.
func TestChildConnector(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("the child process of TestSIGKILLMidFile")
	}
	ctx := context.Background()
	cfg, err := connectors.ParseConfig([]byte(os.Getenv(childYAMLEnv)), "child.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src, m, err := all.Registry().Build(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := connectors.OpenCheckpoints(ctx, os.Getenv(childDBEnv))
	if err != nil {
		t.Fatal(err)
	}
	c, err := contracts.Default()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: bus.Connection{Brokers: []string{os.Getenv(childBrokerEnv)}}})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := connectors.NewRuntime(connectors.RuntimeConfig{Name: cfg.Name, Source: src, Mapping: m,
		Publisher: pub, Contract: c, Checkpoints: cp})
	if err != nil {
		t.Fatal(err)
	}
	_ = rt.Run(ctx) // until killed
}
