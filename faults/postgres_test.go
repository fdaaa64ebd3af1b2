package faults

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/dlq"
	"github.com/vasteras/civicbus/internal/testenv"
)

// pgCluster is a PostgreSQL cluster of the test's own, in a temporary
// directory on a free port: the machine's PostgreSQL serves other tests and
// is never restarted.
type pgCluster struct {
	t        testing.TB
	bin      string // the directory of initdb and pg_ctl
	data     string
	port     int
	runAs    string // the user the server runs as when the test runs as root
	startLog string
}

// privatePostgres initdb's a cluster and starts it. Without PostgreSQL's
// server binaries (/usr/lib/postgresql/*/bin) it skips, or fails under
// CIVICBUS_REQUIRE_SERVICES=1. PostgreSQL refuses to run as root, so as
// root the cluster belongs to, and runs as, the postgres user (runuser).
func privatePostgres(t testing.TB) *pgCluster {
	t.Helper()
	initdbs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(initdbs) == 0 {
		testenv.Unavailable(t, "PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb, pg_ctl)", os.ErrNotExist)
	}
	slices.Sort(initdbs)
	c := &pgCluster{t: t, bin: filepath.Dir(initdbs[len(initdbs)-1])}
	dir := t.TempDir()
	c.data = filepath.Join(dir, "pgdata")
	c.startLog = filepath.Join(dir, "postgres.log")
	if err := os.Mkdir(c.data, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			testenv.Unavailable(t, "a postgres user to run a private PostgreSQL as (initdb refuses root)", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		// t.TempDir's parent is root's alone: let postgres through to its
		// own directory, and own it and the log.
		if err := os.Chmod(filepath.Dir(dir), 0o711); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{dir, c.data} {
			if err := os.Chown(p, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
		c.runAs = "postgres"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c.run("initdb", "-D", c.data, "-U", "civicbus", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions")
	c.start()
	t.Cleanup(func() { c.pgctl("stop", "-m", "immediate") })
	return c
}

// DSN reaches the cluster's postgres database as its superuser.
func (c *pgCluster) DSN() string {
	return fmt.Sprintf("postgres://civicbus@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

func (c *pgCluster) start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", c.port, c.data)
	if err := c.pgctl("start", "-w", "-t", "60", "-l", c.startLog, "-o", opts); err != nil {
		log, _ := os.ReadFile(c.startLog)
		c.t.Fatalf("pg_ctl start: %v\n%s", err, log)
	}
}

// crash stops the server at once, as a crash would (-m immediate: no
// checkpoint, every connection cut; the next start recovers from the WAL).
func (c *pgCluster) crash() {
	c.t.Helper()
	if err := c.pgctl("stop", "-w", "-m", "immediate"); err != nil {
		c.t.Fatalf("pg_ctl stop: %v", err)
	}
}

func (c *pgCluster) pgctl(args ...string) error {
	out, err := c.command("pg_ctl", append([]string{"-D", c.data}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

func (c *pgCluster) run(name string, args ...string) {
	c.t.Helper()
	if out, err := c.command(name, args...).CombinedOutput(); err != nil {
		c.t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

func (c *pgCluster) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, name)
	if c.runAs != "" {
		return exec.Command("runuser", append([]string{"-u", c.runAs, "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

// TestPostgresRestartMidStream runs the connectors and the open-data
// service the distributed way (`civicbus serve <service> --db
// postgres://…`, one process each, on a broker of the test's own) and
// crashes their PostgreSQL in the middle of a 50,000-event stream, keeping
// it down for 5 s: the connector's checkpoints and the dataset's state are
// both there. Every event is on the topic and the dataset applied each
// exactly once, with nothing dead-lettered for the outage.
func TestPostgresRestartMidStream(t *testing.T) {
	const n, batch = 50_000, 500
	pg := privatePostgres(t)
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	w := newWorld(t, batch)
	serve := func(name string) *proc {
		return startProc(t, "civicbus serve "+name, w.work, w.env(),
			"serve", name, "--brokers", broker.Addr(), "--db", pg.DSN(), "--http", "127.0.0.1:0")
	}
	od := serve("opendata")
	cn := serve("connectors")
	base := od.httpBase()
	cn.banner("HTTP")
	waitFor(t, 60*time.Second, "the open-data service's start", func() bool {
		_, err := datasetChanges(base)
		return err == nil
	})
	dropFile(t, w.drop, "waste.csv", wasteCSV(n, -1))
	waitFor(t, 90*time.Second, "5,000 events on the topic", func() bool {
		od.alive()
		cn.alive()
		return records(conn, wasteTopic) >= 5_000
	})
	applied, _ := datasetChanges(base)
	onTopic := records(conn, wasteTopic)
	pg.crash()
	t.Logf("PostgreSQL crashed with %d records on the topic, %d applied, the file read to its end: %v", onTopic, applied, w.processed("waste.csv"))
	time.Sleep(5 * time.Second) // the outage: nothing is asserted about its length
	pg.start()

	waitFor(t, 150*time.Second, "the file in processed/", func() bool {
		od.alive()
		cn.alive()
		return w.processed("waste.csv")
	})
	waitCaughtUp(t, conn, "opendata", wasteTopic, 150*time.Second)
	ids := topicIDs(t, conn, wasteTopic)
	if len(ids) != n {
		t.Errorf("%d distinct event ids on %s, want %d", len(ids), wasteTopic, n)
	}
	t.Logf("%d records on the topic twice (same ids)", dupes(ids))
	applied, err := datasetChanges(base)
	if err != nil {
		t.Fatal(err)
	}
	// A handler that fails because its database is down waits and retries
	// (sqldb.Transient): no event that met the outage is dead-lettered.
	letters, err := dlq.List(context.Background(), conn, wasteTopic)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range letters {
		t.Errorf("dead letter %s after the outage: %s", l.ID, l.Error)
	}
	t.Logf("after the outage: %d applied, %d dead-lettered", applied, len(letters))
	got, err := datasetChanges(base)
	if err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Errorf("the dataset applied %d events, want each of the %d exactly once", got, n)
	}
	od.stop()
	cn.stop()
}
