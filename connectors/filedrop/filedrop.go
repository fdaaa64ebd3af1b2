// Package filedrop is the file-drop connector: it watches a directory for
// CSV, JSON (an array of objects) and NDJSON files, reads each file once it
// has stopped changing, and moves it to processed/ when all of it is on the
// bus, or to failed/ with a <name>.error file saying why it could not be
// read.
//
// Rows are streamed: memory does not grow with the file. A row with missing
// or extra columns, or one that is not a JSON object, goes to the
// dead-letter topic and the rest keep flowing. The position (file, its size
// and mtime, and the row number) is the checkpoint, so a restart mid-file
// resumes at the next row. A dead letter's payload is the row as it stands in
// the file, decoded to UTF-8.
package filedrop

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vasteras/civicbus/connectors"
)

// Kind is the filedrop connector kind for a connectors.Registry.
func Kind() connectors.Kind {
	return connectors.KindOf("filedrop", "watches a directory for CSV, JSON and NDJSON files", New)
}

// The folders inside Dir that finished files are moved to.
const (
	ProcessedDir = "processed"
	FailedDir    = "failed"
)

// Source is the filedrop connectors.Source and connectors.Seeker.
type Source struct {
	cfg    Config
	delim  rune
	logger *slog.Logger

	seen   map[string]fileStat // the previous listing
	resume position            // from Seek
	cur    *openFile
}

type fileStat struct {
	size  int64
	mtime int64 // unix ns
}

// position is the checkpoint: the file, as it was, and its last row on the
// bus.
type position struct {
	File  string `json:"file"`
	Size  int64  `json:"size"`
	MTime int64  `json:"mtime"`
	Row   int64  `json:"row"`
}

type openFile struct {
	name  string
	stat  fileStat
	f     *os.File
	rows  rowReader
	row   int64 // rows read so far
	skip  int64 // rows already on the bus before a restart
	done  bool  // read to the end
	fatal error // the file cannot be read further
}

// New returns a filedrop Source; logger may be nil.
func New(cfg Config, logger *slog.Logger) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	delim, _ := utf8.DecodeRuneInString(cfg.Delimiter)
	return &Source{cfg: cfg, delim: delim, logger: logger, seen: map[string]fileStat{}}, nil
}

// Lag implements connectors.Lagger: the files waiting in the directory at
// the last listing, the one being read included.
func (s *Source) Lag() int64 { return int64(len(s.seen)) }

// Seek implements connectors.Seeker.
func (s *Source) Seek(pos string) error {
	if pos == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(pos), &s.resume); err != nil {
		return fmt.Errorf("filedrop: checkpoint: %w", err)
	}
	return nil
}

// Connect checks that Dir is there and makes processed/ and failed/.
func (s *Source) Connect(ctx context.Context) error {
	if fi, err := os.Stat(s.cfg.Dir); err != nil {
		return fmt.Errorf("filedrop: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("filedrop: %s is not a directory", s.cfg.Dir)
	}
	for _, d := range []string{ProcessedDir, FailedDir} {
		if err := os.MkdirAll(filepath.Join(s.cfg.Dir, d), 0o755); err != nil {
			return fmt.Errorf("filedrop: %w", err)
		}
	}
	return nil
}

// Close closes the file being read; it is read again from the checkpoint.
func (s *Source) Close(ctx context.Context) error {
	if s.cur != nil {
		err := s.cur.f.Close()
		s.cur = nil
		return err
	}
	return nil
}

// Read returns the next rows of the current file, opening the next stable
// file when there is none, and waits for one when the directory has none.
func (s *Source) Read(ctx context.Context) (connectors.Batch, connectors.AckFunc, error) {
	for {
		if s.cur == nil {
			ok, err := s.openNext()
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				if err := sleep(ctx, time.Duration(s.cfg.PollIntervalMS)*time.Millisecond); err != nil {
					return nil, nil, err
				}
				continue
			}
		}
		batch := s.readBatch()
		cur := s.cur
		if cur.done || cur.fatal != nil {
			if len(batch) == 0 {
				s.finish(cur)
				continue
			}
			return batch, func(ctx context.Context, err error) error {
				if err == nil {
					s.finish(cur)
				}
				return nil
			}, nil
		}
		if len(batch) > 0 {
			return batch, nil, nil
		}
	}
}

func (s *Source) readBatch() connectors.Batch {
	cur := s.cur
	var batch connectors.Batch
	for len(batch) < s.cfg.BatchSize {
		r, err := cur.rows.next()
		if err == io.EOF {
			cur.done = true
			break
		}
		if err != nil {
			cur.fatal = err
			break
		}
		cur.row++
		if cur.row <= cur.skip {
			continue
		}
		pos, _ := json.Marshal(position{File: cur.name, Size: cur.stat.size, MTime: cur.stat.mtime, Row: cur.row})
		batch = append(batch, connectors.Record{
			Fields:   r.fields,
			Position: string(pos),
			Origin:   connectors.Origin{File: cur.name, Line: r.line},
			Raw:      r.raw,
			Err:      r.err,
		})
	}
	return batch
}

// openNext opens the first stable file by name; false when there is none.
func (s *Source) openNext() (bool, error) {
	stable, err := s.poll()
	if err != nil {
		return false, err
	}
	for _, name := range stable {
		cur, err := s.open(name)
		if err != nil {
			s.moveFailed(name, err)
			continue
		}
		s.cur = cur
		return true, nil
	}
	return false, nil
}

// poll lists the directory and returns, by name, the files whose size and
// mtime are what the previous listing found.
func (s *Source) poll() ([]string, error) {
	entries, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("filedrop: %w", connectors.ErrNotConnected)
	}
	now := make(map[string]fileStat, len(entries))
	var stable []string
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || ignored(name) || format(name) == "" {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // gone since the listing
		}
		st := fileStat{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
		now[name] = st
		if prev, ok := s.seen[name]; ok && prev == st {
			stable = append(stable, name)
		}
	}
	s.seen = now
	slices.Sort(stable)
	return stable, nil
}

// ignored reports files being written or hidden: dotfiles, *.tmp, *.part.
func ignored(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".part")
}

func format(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return "csv"
	case ".json", ".geojson":
		return "json"
	case ".ndjson", ".jsonl":
		return "ndjson"
	}
	return ""
}

func (s *Source) open(name string) (*openFile, error) {
	f, err := os.Open(filepath.Join(s.cfg.Dir, name))
	if err != nil {
		return nil, err
	}
	cur := &openFile{name: name, stat: s.seen[name], f: f}
	in := decoded(f, s.cfg.Encoding)
	switch format(name) {
	case "csv":
		cur.rows, err = newCSVRowsOpts(in, s.delim, s.cfg.csvOptions())
	case "json":
		cur.rows, err = newJSONRows(in, s.cfg.JSONArray)
	default:
		cur.rows = &ndjsonRows{r: bufio.NewReaderSize(in, 64<<10)}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	if r := s.resume; r.File == name && r.Size == cur.stat.size && r.MTime == cur.stat.mtime {
		cur.skip = r.Row
	}
	return cur, nil
}

// finish closes the file and moves it to processed/, or to failed/ when it
// could not be read to the end.
func (s *Source) finish(cur *openFile) {
	cur.f.Close()
	if s.cur == cur {
		s.cur = nil
	}
	delete(s.seen, cur.name)
	if cur.fatal != nil {
		s.moveFailed(cur.name, cur.fatal)
		return
	}
	if _, err := s.move(cur.name, ProcessedDir); err != nil {
		s.logger.Error("move to processed", "file", cur.name, "err", err)
		return
	}
	s.logger.Info("file processed", "file", cur.name, "rows", cur.row)
}

func (s *Source) moveFailed(name string, why error) {
	delete(s.seen, name)
	to, err := s.move(name, FailedDir)
	if err != nil {
		s.logger.Error("move to failed", "file", name, "err", err)
		return
	}
	msg := fmt.Sprintf("filedrop: %s: %v\n", name, why)
	if err := os.WriteFile(to+".error", []byte(msg), 0o644); err != nil {
		s.logger.Error("write .error", "file", name, "err", err)
	}
	s.logger.Warn("file failed", "file", name, "err", why)
}

// move renames Dir/name into Dir/sub atomically; a name already taken there
// gets a time suffix.
func (s *Source) move(name, sub string) (string, error) {
	to := filepath.Join(s.cfg.Dir, sub, name)
	if _, err := os.Stat(to); err == nil {
		to += "." + time.Now().UTC().Format("20060102T150405.000000000")
	}
	return to, os.Rename(filepath.Join(s.cfg.Dir, name), to)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
