package filedrop_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/connectortest"
	"github.com/vasteras/civicbus/connectors/filedrop"
)

// TestConnectorSuite runs the suite every connector passes.
func TestConnectorSuite(t *testing.T) {
	connectortest.Run(t, &suiteFixture{})
}

// suiteFixture makes the suite's rows appear as one semicolon CSV file
// with decimal commas per Write.
type suiteFixture struct {
	dir    string
	writes int
}

func (f *suiteFixture) Kind() connectors.Kind { return filedrop.Kind() }

func (f *suiteFixture) Config(t *testing.T) map[string]any {
	f.dir, f.writes = t.TempDir(), 0
	return map[string]any{"dir": f.dir, "delimiter": ";", "decimal_comma": true, "poll_interval_ms": 20, "batch_size": 5}
}

func (f *suiteFixture) Write(t *testing.T, rows []connectortest.Row) {
	var b strings.Builder
	b.WriteString("kitchen;date;total\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s;%s;%s\n", r.Kitchen, r.Date, strings.Replace(fmt.Sprint(r.Total), ".", ",", 1))
	}
	f.writes++
	name := filepath.Join(f.dir, fmt.Sprintf("suite-%d.csv", f.writes))
	// Written aside and renamed in, as a careful exporter does.
	if err := os.WriteFile(name+".part", []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(name+".part", name); err != nil {
		t.Fatal(err)
	}
}
