package filedrop_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHalfWrittenFileWaitsUntilStable keeps appending to a file for many
// poll intervals: nothing is read while it grows, every row arrives once it
// stops, and .part files and dotfiles are never read.
func TestHalfWrittenFileWaitsUntilStable(t *testing.T) {
	e := newEnv(t)
	events, letters := e.Collect(wasteTopic), e.Collect(wasteTopic+".dlq")
	for _, name := range []string{"skip.csv.part", ".hidden.csv", "skip.tmp"} {
		if err := os.WriteFile(filepath.Join(e.dir, name), wasteCSV(3), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(e.dir, "growing.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all := wasteCSV(40)
	e.Start(strings.Replace(e.wasteYAML(""), "encoding: windows-1252", "encoding: utf-8", 1))

	// Write in pieces, cutting rows in half, at less than the poll interval
	// (20 ms) apart, for about 15 intervals.
	const pieces = 30
	step := len(all)/pieces + 1
	for i := 0; i < len(all); i += step {
		if _, err := f.Write(all[i:min(i+step, len(all))]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // the writer's pace, not a wait for the reader
		if n := len(events.All()) + len(letters.All()); n > 0 {
			t.Fatalf("%d records read from a file still being written", n)
		}
	}
	f.Close()
	waitFor(t, "all 40 rows", 10*time.Second, func() bool { return len(events.All()) == 40 })
	waitFor(t, "the file in processed/", 5*time.Second, func() bool {
		return exists(filepath.Join(e.dir, "processed", "growing.csv"))
	})
	if n := len(letters.All()); n != 0 {
		t.Errorf("%d dead letters from a file read whole", n)
	}
	for _, name := range []string{"skip.csv.part", ".hidden.csv", "skip.tmp"} {
		if !exists(filepath.Join(e.dir, name)) {
			t.Errorf("%s was touched", name)
		}
	}
}

// TestUnreadableFilesGoToFailed: a truncated JSON array, a Windows-1252 file
// read as UTF-8 and an empty CSV each move to failed/ with a .error file
// saying why; a good file after them still arrives.
func TestUnreadableFilesGoToFailed(t *testing.T) {
	e := newEnv(t)
	events := e.Collect(wasteTopic)
	obj := `{"kitchen":"k1","date":"2024-09-0%d","total":%d}`
	files := map[string]string{
		"a-truncated.json": "[" + fmt.Sprintf(obj, 1, 5) + "," + `{"kitchen":"k1","da`,
		"b-latin1.csv":     "kitchen,date,total\nk\xf6k,2024-09-01,5\n",
		"c-empty.csv":      "",
		"d-not-array.json": fmt.Sprintf(obj, 1, 5),
	}
	why := map[string]string{
		"a-truncated.json": "truncated or malformed JSON array after element 1",
		"b-latin1.csv":     "line 2 is not valid UTF-8",
		"c-empty.csv":      "bad header: the file is empty",
		"d-not-array.json": "not a JSON array",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(e.dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	good := fmt.Sprintf(obj, 2, 7) + "\n\n" + fmt.Sprintf(obj, 3, 9) + "\n"
	if err := os.WriteFile(filepath.Join(e.dir, "e-good.ndjson"), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	array := "[" + fmt.Sprintf(obj, 4, 1) + ",\n " + fmt.Sprintf(obj, 5, 2) + "]"
	if err := os.WriteFile(filepath.Join(e.dir, "f-good.json"), []byte("\ufeff"+array), 0o644); err != nil {
		t.Fatal(err)
	}
	e.Start(`name: json-waste
kind: filedrop
topic: meals.food-waste.v1
config: {dir: ` + e.dir + `, poll_interval_ms: 20}
mapping:
  fields: {kitchen_id: row.kitchen, date: row.date, total_waste_kg: double(row.total)}
`)
	for name, want := range why {
		errFile := filepath.Join(e.dir, "failed", name+".error")
		waitFor(t, errFile, 10*time.Second, func() bool { return exists(errFile) })
		b, _ := os.ReadFile(errFile)
		if !strings.Contains(string(b), want) {
			t.Errorf("%s says %q, want %q", errFile, b, want)
		}
		if !exists(filepath.Join(e.dir, "failed", name)) {
			t.Errorf("%s is not in failed/", name)
		}
	}
	// The truncated array's first element was read before the cut; the
	// NDJSON file's two lines and the JSON array's (with a BOM) two elements
	// follow it.
	waitFor(t, "5 events", 10*time.Second, func() bool { return len(events.All()) == 5 })
	for _, name := range []string{"e-good.ndjson", "f-good.json"} {
		waitFor(t, name+" in processed/", 5*time.Second, func() bool {
			return exists(filepath.Join(e.dir, "processed", name))
		})
	}
}
