package embedded

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// recoverDataDir repairs what kfake leaves behind when its process is
// killed, before kfake loads the directory. It is idempotent and touches
// nothing after a graceful stop.
//
// Root cause (kfake v0.0.0-20260918054303, persist.go): kfake writes
// topics.json only at start (Cluster.NewCluster → saveToDisk), on a graceful
// Close, and after a CreateTopics, CreatePartitions, DeleteTopics or config
// change (persistTopicsState). A topic created by a metadata request with
// auto-creation (03_metadata.go, data.mkt), which is how a producer creates
// its topic, is not written there. Its records are written to
// partitions/<topic>-<p>/<base>.dat as they come, but after a SIGKILL
// loadTopics does not know the topic, so loadPartitions never reads its
// files. The next metadata request creates the topic afresh and empty
// (high watermark 0, records invisible), and persistBatchToSegment reopens
// the existing 0.dat with O_APPEND while counting positions from 0: every
// batch it indexes points at bytes of the old records, and a fetch answers
// a batch that does not parse ("unsupported magic byte") or none. A later
// graceful stop saves a snapshot that does not match the file, and the full
// replay then finds two runs of offsets from 0 in one file.
//
// The repair registers in topics.json every topic that has a partition
// directory but is missing there, with the larger of its highest partition
// number + 1 and the configured default partition count (the count it was
// auto-created with), so kfake loads its segments: kfake's own load cuts a
// torn segment tail back to the last whole batch whose CRC matches
// (loadSegmentBatches) and sets the high watermark to the end of the last
// readable batch (loadPartitionFullReplay).
//
// It also cuts a torn tail off groups.log and pids.log: kfake skips it when
// reading (readEntries) but does not truncate the file, so the entries it
// appends after the torn one would be unreadable after the next crash.
func recoverDataDir(dir string, defaultPartitions int, log *slog.Logger) error {
	if _, err := os.Stat(filepath.Join(dir, "meta.json")); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // a new directory: kfake starts empty
		}
		return fmt.Errorf("embedded broker: data dir: %w", err)
	}
	if err := registerOrphanTopics(dir, defaultPartitions, log); err != nil {
		return fmt.Errorf("embedded broker: recover %s: %w", dir, err)
	}
	for _, name := range []string{"groups.log", "pids.log"} {
		if err := truncateTornLog(filepath.Join(dir, name), log); err != nil {
			return fmt.Errorf("embedded broker: recover %s: %w", dir, err)
		}
	}
	return nil
}

// topicsFile is kfake's topics.json (persistTopics); fields this package
// does not know are kept as they are.
type topicsFile struct {
	Version int               `json:"version"`
	Topics  []json.RawMessage `json:"topics"`
}

func registerOrphanTopics(dir string, defaultPartitions int, log *slog.Logger) error {
	path := filepath.Join(dir, "topics.json")
	tf := topicsFile{Version: 1}
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &tf); err != nil {
			return fmt.Errorf("topics.json: %w", err)
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		return err
	}
	known := map[string]bool{}
	for _, t := range tf.Topics {
		var name struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(t, &name); err != nil {
			return fmt.Errorf("topics.json: %w", err)
		}
		known[name.Name] = true
	}

	entries, err := os.ReadDir(filepath.Join(dir, "partitions"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	// Highest partition number seen per unregistered topic.
	orphans := map[string]int{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		// kfake's partDir: url.PathEscape(topic) + "-" + partition.
		i := strings.LastIndexByte(e.Name(), '-')
		if i <= 0 {
			continue
		}
		p, err := strconv.Atoi(e.Name()[i+1:])
		if err != nil || p < 0 {
			continue
		}
		topic, err := url.PathUnescape(e.Name()[:i])
		if err != nil || known[topic] {
			continue
		}
		if !hasSegment(filepath.Join(dir, "partitions", e.Name())) {
			continue
		}
		orphans[topic] = max(orphans[topic], p)
	}
	if len(orphans) == 0 {
		return nil
	}
	for _, topic := range slices.Sorted(maps.Keys(orphans)) {
		var id [16]byte
		if _, err := rand.Read(id[:]); err != nil {
			return err
		}
		n := max(orphans[topic]+1, defaultPartitions)
		entry, err := json.Marshal(map[string]any{
			"name":       topic,
			"id":         base64.StdEncoding.EncodeToString(id[:]),
			"partitions": n,
			"replicas":   1,
		})
		if err != nil {
			return err
		}
		tf.Topics = append(tf.Topics, entry)
		log.Warn("embedded broker: a topic's records were on disk but the topic was not registered (the broker was not stopped gracefully): registered again",
			"component", "embedded-broker", "topic", topic, "partitions", n)
	}
	out, err := json.Marshal(tf)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, out)
}

// hasSegment reports whether a partition directory holds a segment file.
func hasSegment(pdir string) bool {
	entries, err := os.ReadDir(pdir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".dat") {
			return true
		}
	}
	return false
}

// truncateTornLog cuts a kfake append log (groups.log, pids.log) back to
// its last whole entry. An entry is [4 length LE][4 CRC32C LE of the rest]
// [2 version][data], length counting version and data (kfake's writeEntry).
func truncateTornLog(path string, log *slog.Logger) error {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	valid := validLogPrefix(raw)
	if valid == len(raw) {
		return nil
	}
	log.Warn("embedded broker: cut a torn tail off a state log (the broker was not stopped gracefully)",
		"component", "embedded-broker", "file", filepath.Base(path), "bytes", len(raw)-valid)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if err := f.Truncate(int64(valid)); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var crc32c = crc32.MakeTable(crc32.Castagnoli)

func validLogPrefix(raw []byte) int {
	const header = 10
	pos := 0
	for pos+header <= len(raw) {
		length := int(binary.LittleEndian.Uint32(raw[pos : pos+4]))
		if length < 2 || pos+8+length > len(raw) {
			break
		}
		if crc32.Checksum(raw[pos+8:pos+8+length], crc32c) != binary.LittleEndian.Uint32(raw[pos+4:pos+8]) {
			break
		}
		pos += 8 + length
	}
	return pos
}

// writeFileAtomic writes path through a synced temporary file and a rename,
// as kfake writes its JSON files.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".recover.tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
