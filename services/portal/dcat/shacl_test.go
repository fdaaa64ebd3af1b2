package dcat

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/internal/testenv"
)

// The shapes, in testdata/dcat from the repository root.
const (
	shapesCore        = "dcat-ap-3.0.1-shapes.ttl"
	shapesRange       = "dcat-ap-3.0.1-range.ttl"
	shapesRecommended = "dcat-ap-3.0.1-shapes_recommended.ttl"
	shapesHVD         = "dcat-ap-hvd-3.0.0-SHACL.ttl"
)

// shaclDir is the Node tool's folder.
const shaclDir = "testdata/shacl"

// report is what validate.js shacl prints.
type report struct {
	Conforms bool `json:"conforms"`
	Results  []struct {
		Severity  string `json:"severity"`
		FocusNode string `json:"focusNode"`
		Path      string `json:"path"`
		Message   string `json:"message"`
		Component string `json:"component"`
		Value     string `json:"value"`
	} `json:"results"`
}

// TestSHACL validates the RDF/XML catalog, as dataportal.se harvests it,
// against the DCAT-AP 3.0.1 shapes with their class ranges (zero
// violations), reports the warnings of the recommended shapes, and
// validates the high-value datasets against the DCAT-AP HVD shapes.
func TestSHACL(t *testing.T) {
	shapes := sharedShapes(t)
	node := nodeTool(t)
	dir := t.TempDir()
	rdfxml := filepath.Join(dir, "catalog.rdf")
	writeFile(t, rdfxml, write(t, testCatalog(), WriteRDFXML))
	vocab := mustAbs(t, filepath.Join(shaclDir, "vocabularies.ttl"))

	t.Run("core and ranges", func(t *testing.T) {
		r := node.shacl(t, "--data", rdfxml, "--vocab", vocab,
			"--shapes", filepath.Join(shapes, shapesCore), "--shapes", filepath.Join(shapes, shapesRange))
		if n := count(r, "Violation"); n > 0 || !r.Conforms {
			logResults(t, r)
			t.Fatalf("violations: %d, want 0", n)
		}
		t.Logf("DCAT-AP 3.0.1 shapes + ranges: violations: 0, results: %d", len(r.Results))
	})
	t.Run("the shapes catch violations", func(t *testing.T) {
		// dataportal.se's own example gives dct:format as a literal, which
		// DCAT-AP 3 forbids: proof that this pipeline reports violations.
		r := node.shacl(t, "--data", filepath.Join(shapes, "dcat-ap-se-example-rekommenderat.rdf"),
			"--shapes", filepath.Join(shapes, shapesCore), "--shapes", filepath.Join(shapes, shapesRange))
		if count(r, "Violation") == 0 || r.Conforms {
			t.Fatal("no violation found in a catalog with literal dct:format values")
		}
	})
	t.Run("recommended", func(t *testing.T) {
		r := node.shacl(t, "--data", rdfxml, "--vocab", vocab,
			"--shapes", filepath.Join(shapes, shapesRecommended))
		if n := count(r, "Violation"); n > 0 {
			logResults(t, r)
			t.Fatalf("the recommended shapes report %d violations", n)
		}
		t.Logf("DCAT-AP 3.0.1 recommended shapes: warnings: %d", count(r, "Warning"))
		logResults(t, r)
	})
	t.Run("HVD", func(t *testing.T) {
		// The HVD shapes target every dcat:Dataset, so they see a catalog of
		// the high-value datasets only.
		c := testCatalog()
		c.Datasets = slices.DeleteFunc(c.Datasets, func(d Dataset) bool { return d.HVDCategory == "" })
		hvd := filepath.Join(dir, "hvd.rdf")
		writeFile(t, hvd, write(t, c, WriteRDFXML))
		r := node.shacl(t, "--data", hvd, "--vocab", vocab, "--rdfs-resource",
			"--shapes", filepath.Join(shapes, shapesHVD))
		if n := count(r, "Violation"); n > 0 || !r.Conforms {
			logResults(t, r)
			t.Fatalf("HVD: violations: %d, want 0", n)
		}
		t.Logf("DCAT-AP HVD 3.0.0 shapes on %d datasets: violations: 0", len(c.Datasets))
	})
}

// TestSerialisationsAgree parses the three serialisations of the catalog
// with hostile literals with independent parsers and checks they are the
// same graph, with no blank nodes.
func TestSerialisationsAgree(t *testing.T) {
	node := nodeTool(t)
	dir := t.TempDir()
	var files []string
	for _, w := range writers {
		f := filepath.Join(dir, "catalog."+w.ext)
		writeFile(t, f, write(t, hostileCatalog(), w.write))
		files = append(files, f)
	}
	var got struct {
		Graphs []struct {
			File       string `json:"file"`
			Triples    int    `json:"triples"`
			Subjects   int    `json:"subjects"`
			BlankNodes int    `json:"blankNodes"`
		} `json:"graphs"`
		Isomorphic bool `json:"isomorphic"`
	}
	node.run(t, &got, append([]string{"compare"}, files...)...)
	g := build(hostileCatalog())
	triples := 0
	for _, n := range g.nodes {
		triples += len(n.types) + len(n.props)
	}
	for _, p := range got.Graphs {
		t.Logf("%s: %d triples, %d subjects, %d blank nodes", filepath.Base(p.File), p.Triples, p.Subjects, p.BlankNodes)
		if p.Triples != triples || p.Subjects != len(g.nodes) || p.BlankNodes != 0 {
			t.Errorf("%s: %d triples, %d subjects, %d blank nodes; want %d, %d, 0",
				filepath.Base(p.File), p.Triples, p.Subjects, p.BlankNodes, triples, len(g.nodes))
		}
	}
	if !got.Isomorphic {
		t.Error("the three serialisations are not the same graph")
	}
}

// sharedShapes is the folder of the DCAT-AP shapes the repository
// carries (testdata/dcat, see testdata/SOURCES.md).
func sharedShapes(t *testing.T) string {
	t.Helper()
	dir := testenv.TestData(t, "dcat")
	if _, err := os.Stat(filepath.Join(dir, shapesCore)); err != nil {
		t.Fatalf("the DCAT-AP shapes: %v", err)
	}
	return dir
}

// nodeRunner runs validate.js.
type nodeRunner struct{ node, script string }

// nodeTool finds node and the tool's npm packages, installing them with
// npm ci when missing; it skips (or fails, with CIVICBUS_REQUIRE_SERVICES=1)
// when it cannot.
func nodeTool(t *testing.T) nodeRunner {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Unavailable(t, "node", err)
	}
	dir := mustAbs(t, shaclDir)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "rdf-validate-shacl")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			testenv.Unavailable(t, "npm (to install "+shaclDir+")", err)
		}
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			testenv.Unavailable(t, "npm ci in "+shaclDir, errors.New(err.Error()+": "+lastLines(string(out), 5)))
		}
	}
	return nodeRunner{node: node, script: filepath.Join(dir, "validate.js")}
}

func (n nodeRunner) shacl(t *testing.T, args ...string) report {
	t.Helper()
	var r report
	n.run(t, &r, append([]string{"shacl"}, args...)...)
	return r
}

func (n nodeRunner) run(t *testing.T, out any, args ...string) {
	t.Helper()
	cmd := exec.Command(n.node, append([]string{n.script}, args...)...)
	cmd.Dir = filepath.Dir(n.script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("validate.js %s: %v: %s", args[0], err, stderr.String())
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		t.Fatalf("validate.js %s: output is not JSON: %v", args[0], err)
	}
}

func count(r report, severity string) int {
	n := 0
	for _, res := range r.Results {
		if res.Severity == severity {
			n++
		}
	}
	return n
}

// logResults logs the results grouped by severity, path and message, with
// how often each occurs and one focus node.
func logResults(t *testing.T, r report) {
	t.Helper()
	type key struct{ severity, path, message string }
	counts := map[key]int{}
	example := map[key]string{}
	var order []key
	for _, res := range r.Results {
		k := key{res.Severity, res.Path, res.Message}
		if counts[k] == 0 {
			order = append(order, k)
			example[k] = res.FocusNode
		}
		counts[k]++
	}
	for _, k := range order {
		t.Logf("  %s ×%d: %s — %s (e.g. %s)", k.severity, counts[k], k.path, k.message, example[k])
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustAbs(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
