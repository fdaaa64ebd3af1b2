package sqlpoll_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDatabaseSessionsEnded ends the connector's database sessions while it
// runs: the runtime reconnects, and every row arrives exactly once.
func TestDatabaseSessionsEnded(t *testing.T) {
	e := newPostgres(t)
	events := e.Collect(wasteTopic)
	base := e.dsn
	e.dsn = base + "&application_name=sqlpoll_outage"
	r := e.Start(e.yaml("  batch: 5"))
	e.dsn = base
	day := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 20 {
		e.insert(fmt.Sprintf("kok-%d", i), day.Format(time.DateOnly), 1)
	}
	waitFor(t, "20 events", 10*time.Second, func() bool { return len(events.All()) >= 20 })
	waitFor(t, "the connector's session ended and noticed", 10*time.Second, func() bool {
		if _, err := e.db.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sqlpoll_outage'`); err != nil {
			t.Fatal(err)
		}
		return strings.Contains(r.Runtime.Status().LastError, "not connected")
	})
	t.Logf("status: %s", r.Runtime.Status().LastError)
	for i := range 20 {
		e.insert(fmt.Sprintf("kok-%d", i), day.AddDate(0, 0, 1).Format(time.DateOnly), 1)
	}
	waitFor(t, "40 events", 15*time.Second, func() bool { return len(unique(events.All())) >= 40 })
	waitFor(t, "40 records in", 5*time.Second, func() bool { return r.Runtime.Status().RecordsIn >= 40 })
	if n, in := len(events.All()), r.Runtime.Status().RecordsIn; n != 40 || in != 40 {
		t.Errorf("%d events, %d records read for 40 rows", n, in)
	}
}
