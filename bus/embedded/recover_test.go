package embedded

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// TestRecoverRegistersOrphanTopics: a partition directory of a topic that
// topics.json does not list is registered, with the name kfake escaped into
// the directory (dashes, a slash) and at least the default partition count;
// a listed topic and a directory without segments are left as they are.
func TestRecoverRegistersOrphanTopics(t *testing.T) {
	dir := t.TempDir()
	write := func(path, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "meta.json"), `{"version":1,"cluster_id":"x"}`)
	write(filepath.Join(dir, "topics.json"), `{"version":1,"topics":[{"name":"known","id":"AAAAAAAAAAAAAAAAAAAAAA==","partitions":2,"replicas":1,"configs":{"retention.ms":"1"}}]}`)
	write(filepath.Join(dir, "partitions", "known-1", "0.dat"), "x")
	write(filepath.Join(dir, "partitions", "a-b-2-11", "0.dat"), "x")
	write(filepath.Join(dir, "partitions", "a-b-2-0", "0.dat"), "x")
	write(filepath.Join(dir, "partitions", "x%2Fy-0", "5.dat"), "x")
	write(filepath.Join(dir, "partitions", "empty-0", "snapshot.json"), "{}")

	if err := recoverDataDir(dir, 8, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "topics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tf struct {
		Topics []struct {
			Name       string            `json:"name"`
			ID         string            `json:"id"`
			Partitions int               `json:"partitions"`
			Configs    map[string]string `json:"configs"`
		} `json:"topics"`
	}
	if err := json.Unmarshal(raw, &tf); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, tp := range tf.Topics {
		got[tp.Name] = tp.Partitions
		if len(tp.ID) != 24 {
			t.Errorf("%s: id %q is not 16 bytes in base64", tp.Name, tp.ID)
		}
		if tp.Name == "known" && tp.Configs["retention.ms"] != "1" {
			t.Errorf("known: configs %v lost", tp.Configs)
		}
	}
	want := map[string]int{"known": 2, "a-b-2": 12, "x/y": 8}
	if len(got) != len(want) {
		t.Fatalf("topics %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("topics %v, want %v", got, want)
		}
	}
	// Idempotent: a second pass changes nothing.
	if err := recoverDataDir(dir, 8, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "topics.json")); string(again) != string(raw) {
		t.Fatalf("a second pass rewrote topics.json:\n%s\n%s", raw, again)
	}
}
