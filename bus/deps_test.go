package bus_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goList runs `go list -deps pkg` from dir and returns the import paths.
func goList(t *testing.T, dir, pkg string) []string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is not on PATH: %v", err)
	}
	cmd := exec.Command(gobin, "list", "-deps", pkg)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr.String())
	}
	return strings.Fields(string(out))
}

// forbidden returns the dependencies whose path contains one of the words.
func forbidden(deps []string, words ...string) []string {
	var bad []string
	for _, d := range deps {
		for _, w := range words {
			if strings.Contains(d, w) {
				bad = append(bad, d)
				break
			}
		}
	}
	return bad
}

// Sarama, watermill-kafka and the CloudEvents SDK are test-only dependencies
// of bus (the comparison benchmark and the interoperability tests): the
// product binary talks to Kafka with kafka-go alone.
var testOnlyDeps = []string{"IBM/sarama", "watermill-kafka", "cloudevents/sdk-go"}

func TestDepsBinaryLinksNoSarama(t *testing.T) {
	const binary = "github.com/vasteras/civicbus/cmd/civicbus"
	main := filepath.Join("..", "cmd", "civicbus")
	if _, err := os.Stat(main); err != nil {
		t.Skipf("./cmd/civicbus does not exist yet (%v); nothing to check until the binary is written", err)
	}
	deps := goList(t, "..", binary)
	if len(deps) == 0 {
		t.Fatalf("go list -deps %s listed nothing", binary)
	}
	if bad := forbidden(deps, testOnlyDeps...); len(bad) > 0 {
		t.Errorf("%s links test-only Kafka clients:\n  %s", binary, strings.Join(bad, "\n  "))
	}
}

func TestDepsBusKnowsNoDomain(t *testing.T) {
	deps := goList(t, ".", "github.com/vasteras/civicbus/bus")
	if len(deps) == 0 {
		t.Fatal("go list -deps bus listed nothing")
	}
	// DESIGN.md: bus knows no domain.
	domain := []string{
		"github.com/vasteras/civicbus/schemas",
		"github.com/vasteras/civicbus/services",
		"github.com/vasteras/civicbus/connectors",
	}
	var bad []string
	for _, d := range deps {
		for _, p := range domain {
			if d == p || strings.HasPrefix(d, p+"/") {
				bad = append(bad, d)
			}
		}
	}
	if len(bad) > 0 {
		t.Errorf("bus imports domain packages:\n  %s", strings.Join(bad, "\n  "))
	}
	if bad := forbidden(deps, testOnlyDeps...); len(bad) > 0 {
		t.Errorf("bus links test-only Kafka clients outside its tests:\n  %s", strings.Join(bad, "\n  "))
	}
}
