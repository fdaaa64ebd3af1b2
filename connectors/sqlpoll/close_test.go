package sqlpoll_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors/connectortest"
	"go.uber.org/goleak"
)

// TestCleanClose: a Runtime stopped while it polls returns, leaves no
// goroutine behind and no session open in the database.
func TestCleanClose(t *testing.T) {
	e := newPostgres(t)
	events := e.Collect(wasteTopic)
	for i := range 30 {
		e.insert(fmt.Sprintf("kok-%d", i), "2024-01-01", 1)
	}
	opts := goleak.IgnoreCurrent()
	base := e.dsn
	e.dsn = base + "&application_name=sqlpoll_close"
	r := e.Start(e.yaml("  batch: 5"))
	e.dsn = base
	waitFor(t, "30 events", 10*time.Second, func() bool { return len(events.All()) >= 30 })
	r.Stop()
	connectortest.VerifyNoLeaks(t, opts)
	var n int
	waitFor(t, "the connector's sessions gone", 5*time.Second, func() bool {
		if err := e.db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sqlpoll_close'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
}
