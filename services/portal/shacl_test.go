package portal

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/internal/testenv"
)

// TestHarvestedCatalogConformsToDCATAP harvests a version from a real
// open-data service and validates the portal's /catalog.rdf, as
// dataportal.se reads it, with the dcat package's SHACL tool
// (dcat/testdata/shacl; npm ci there) against the DCAT-AP 3.0.1 shapes with
// their ranges, and the HVD shapes (the dataset is a statistics HVD).
func TestHarvestedCatalogConformsToDCATAP(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Unavailable(t, "node", err)
	}
	tool, _ := filepath.Abs(filepath.Join("dcat", "testdata", "shacl"))
	if _, err := os.Stat(filepath.Join(tool, "node_modules", "rdf-validate-shacl")); err != nil {
		testenv.Unavailable(t, "the SHACL tool's npm packages (npm ci in "+tool+")", err)
	}
	shapes := testenv.TestData(t, "dcat")

	s := newStack(t, dsnSQLite(t))
	s.feed(t, 2019)
	s.publishVersion(t)
	resp, rdf := get(t, s.srv.URL+"/catalog.rdf")
	if resp.StatusCode != 200 {
		t.Fatalf("catalog.rdf: %d", resp.StatusCode)
	}
	for _, want := range []string{"file-type/PARQUET", "media-types/application/vnd.apache.parquet", "/latest.parquet"} {
		if !strings.Contains(string(rdf), want) {
			t.Errorf("catalog.rdf has no Parquet distribution (%s)", want)
		}
	}
	data := filepath.Join(t.TempDir(), "catalog.rdf")
	if err := os.WriteFile(data, rdf, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string][]string{
		"DCAT-AP 3.0.1 + ranges": {"--shapes", filepath.Join(shapes, "dcat-ap-3.0.1-shapes.ttl"), "--shapes", filepath.Join(shapes, "dcat-ap-3.0.1-range.ttl")},
		"DCAT-AP HVD 3.0.0":      {"--rdfs-resource", "--shapes", filepath.Join(shapes, "dcat-ap-hvd-3.0.0-SHACL.ttl")},
	} {
		cmd := exec.Command(node, append([]string{filepath.Join(tool, "validate.js"), "shacl", "--data", data, "--vocab", filepath.Join(tool, "vocabularies.ttl")}, args...)...)
		cmd.Dir = tool
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: validate.js: %v", name, err)
		}
		var r struct {
			Conforms bool `json:"conforms"`
			Results  []struct {
				Severity, Path, Message string
			} `json:"results"`
		}
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		violations := 0
		for _, res := range r.Results {
			if res.Severity == "Violation" {
				violations++
				t.Logf("%s: %s: %s", name, res.Path, res.Message)
			}
		}
		if violations > 0 || !r.Conforms {
			t.Errorf("%s: %d violations, want 0", name, violations)
		}
	}
}
