package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the repository root: the nearest folder above the working
// directory that holds go.mod.
func Root(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// TestData returns testdata/<rel> from the repository root: public data the
// repository carries (see testdata/SOURCES.md).
func TestData(tb testing.TB, rel string) string {
	tb.Helper()
	return filepath.Join(Root(tb), "testdata", rel)
}

// SharedData returns ../shared/data/<rel> from the repository root: the
// team's data folder, whose files the repository may not carry (their
// licences do not allow it). It skips the test when the file is not there:
// it is data, not a service, and a clean machine need not have it.
func SharedData(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(Root(tb), "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("the team's data folder (../shared/data/%s) is not on this machine, skipping: %v", rel, err)
	}
	return p
}
