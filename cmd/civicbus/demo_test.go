package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// demoDefaults are free ports with the demo on, as the binary has it.
var demoDefaults = defaultAddrs{HTTP: "127.0.0.1:0", KafkaListen: "127.0.0.1:0", MQTTListen: "off", Demo: true}

// The demo itself, on and restarted, is tested through the binary in e2e/.
func TestRunDemoIsOffWhenAskedOrGivenDefinitions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"flag", nil, []string{"--demo=false"}, "off (--demo)"},
		{"env", map[string]string{"CIVICBUS_DEMO": "false"}, nil, "off (CIVICBUS_DEMO)"},
		{"connectors dir", map[string]string{"CIVICBUS_CONNECTORS_DIR": "x"}, nil, "off: CIVICBUS_CONNECTORS_DIR is set"},
		{"datasets dir", map[string]string{"CIVICBUS_DATASETS_DIR": "x"}, nil, "off: CIVICBUS_DATASETS_DIR is set"},
		{"rules dir", map[string]string{"CIVICBUS_RULES_DIR": "x"}, nil, "off: CIVICBUS_RULES_DIR is set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := t.TempDir()
			r := start(t, demoDefaults, tc.env, append([]string{"run", "--data", data}, tc.args...)...)
			if got := r.bannerValue(t, "demo"); got != tc.want {
				t.Errorf("demo row %q, want %q", got, tc.want)
			}
			if _, err := os.Stat(filepath.Join(data, demoSubdir)); err == nil {
				t.Error("the demo was written out")
			}
			if bannerRow(r.stdout.String(), "demo sign-in") != "" || bannerRow(r.stdout.String(), "admin token") != "" {
				t.Errorf("demo sign-ins in the banner of a run without the demo:\n%s", r.stdout)
			}
		})
	}
}

// Not parallel: it changes the working directory.
func TestRunDemoIsOffWhenTheWorkingDirectoryHasDefinitions(t *testing.T) {
	for _, dir := range []string{"connectors.d", "datasets.d", "rules.d"} {
		t.Run(dir, func(t *testing.T) {
			wd := t.TempDir()
			if err := os.Mkdir(filepath.Join(wd, dir), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Chdir(wd)
			data := t.TempDir()
			r := start(t, demoDefaults, nil, "run", "--data", data)
			if got := r.bannerValue(t, "demo"); got != "off: ./"+dir+" exists" {
				t.Errorf("demo row %q", got)
			}
			r.stop(t)
		})
	}
}

func TestRunBannerShowsTheFaces(t *testing.T) {
	t.Parallel()
	r := start(t, freeDefaults, nil, "run", "--data", t.TempDir())
	base := r.bannerValue(t, "HTTP")
	for row, path := range map[string]string{"portal": "", "casework": "casework/", "admin": "admin/"} {
		if got := r.bannerValue(t, row); got != base+path {
			t.Errorf("%s row %q, want %q", row, got, base+path)
		}
	}
	if got := r.bannerValue(t, "demo"); !strings.HasPrefix(got, "off") {
		t.Errorf("demo row %q in a test run", got)
	}
}

func TestServeHasNoDemo(t *testing.T) {
	t.Parallel()
	c := newCLI(&syncBuffer{}, &syncBuffer{}, func(string) string { return "" }, demoDefaults)
	err := c.main(t.Context(), []string{"serve", "registry", "--demo"})
	if err == nil || !strings.Contains(err.Error(), "flag provided but not defined: -demo") {
		t.Errorf("serve --demo: %v, want an unknown flag", err)
	}
}
