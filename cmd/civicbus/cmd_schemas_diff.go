package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/schemas/registry"
)

// diffRow is one subject's line in `schemas diff`.
type diffRow struct {
	topic  string
	kind   string // one of the diff constants
	detail string
	breaks []registry.Incompatibility
}

// The kinds of diffRow.
const (
	diffUnchanged    = "unchanged"
	diffCompatible   = "compatible change"
	diffNew          = "new subject"
	diffBehind       = "behind the registry"
	diffIncompatible = "INCOMPATIBLE"
)

// schemasDiff compares every catalog schema with the registry's versions of
// its subject, the way registering it would.
func (c *cli) schemasDiff(ctx context.Context, registryURL string) error {
	rc := newRegistryClient(registryURL)
	known, err := rc.subjects(ctx)
	if err != nil {
		return fmt.Errorf("schemas diff: %w", err)
	}
	counts := map[string]int{}
	width := 0
	var rows []diffRow
	for _, e := range eventsByTopic() {
		row, err := diffSubject(ctx, rc, e)
		if err != nil {
			return fmt.Errorf("schemas diff: %s: %w", e.Topic, err)
		}
		rows = append(rows, row)
		counts[row.kind]++
		width = max(width, len(e.Topic))
		known = slices.DeleteFunc(known, func(s string) bool { return s == e.Topic })
	}
	for _, r := range rows {
		fmt.Fprintf(c.stdout, "%-*s  %s%s\n", width, r.topic, r.kind, r.detail)
		for _, b := range r.breaks {
			fmt.Fprintf(c.stdout, "%-*s    - %s\n", width, "", b)
		}
	}
	if len(known) > 0 {
		fmt.Fprintf(c.stdout, "in the registry only (not in this catalog): %s\n", strings.Join(known, ", "))
	}
	fmt.Fprintf(c.stdout, "%d subjects against %s: %d unchanged, %d compatible, %d new, %d behind, %d incompatible\n",
		len(rows), rc.base, counts[diffUnchanged], counts[diffCompatible], counts[diffNew], counts[diffBehind], counts[diffIncompatible])
	if n := counts[diffIncompatible]; n > 0 {
		return fmt.Errorf("schemas diff: %d of %d subjects incompatible with the registry at %s", n, len(rows), rc.base)
	}
	return nil
}

// diffSubject compares one event's committed schema with the registry's.
func diffSubject(ctx context.Context, rc *registryClient, e schemas.Event) (diffRow, error) {
	row := diffRow{topic: e.Topic}
	data, err := e.Schema()
	if err != nil {
		return row, err
	}
	newer, err := registry.Parse(data)
	if err != nil {
		return row, fmt.Errorf("the committed schema: %w", err)
	}
	latest, err := rc.version(ctx, e.Topic, "latest")
	switch {
	case errors.Is(err, errRegistrySubjectNotFound):
		row.kind = diffNew
		return row, nil
	case err != nil:
		return row, err
	case latest.Schema == newer.Canonical():
		row.kind, row.detail = diffUnchanged, fmt.Sprintf(" (version %d)", latest.Version)
		return row, nil
	}
	if v, found, err := rc.lookup(ctx, e.Topic, data); err != nil {
		return row, err
	} else if found {
		row.kind, row.detail = diffBehind, fmt.Sprintf(": this schema is its version %d, the latest is %d", v, latest.Version)
		return row, nil
	}
	mode, err := rc.mode(ctx, e.Topic)
	if err != nil {
		return row, err
	}
	against := []registryVersion{latest}
	if mode.Transitive() {
		if against, err = rc.all(ctx, e.Topic); err != nil {
			return row, err
		}
	}
	for _, v := range against {
		older, err := registry.Parse([]byte(v.Schema))
		if err != nil {
			return row, fmt.Errorf("the registry's version %d: %w", v.Version, err)
		}
		for _, inc := range registry.Check(mode, older, newer) {
			inc.Version = v.Version
			row.breaks = append(row.breaks, inc)
		}
	}
	if len(row.breaks) > 0 {
		row.kind, row.detail = diffIncompatible, " under "+string(mode)+":"
	} else {
		row.kind, row.detail = diffCompatible, fmt.Sprintf(" under %s: would be version %d", mode, latest.Version+1)
	}
	return row, nil
}

// registryClient reads a schema registry's HTTP API.
type registryClient struct {
	base string
	http *http.Client
}

func newRegistryClient(base string) *registryClient {
	return &registryClient{base: strings.TrimRight(base, "/"), http: &http.Client{Timeout: 10 * time.Second}}
}

// registryVersion is a version as the API answers it.
type registryVersion struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
	ID      int64  `json:"id"`
	Schema  string `json:"schema"`
}

// errRegistrySubjectNotFound is the registry's 40401.
var errRegistrySubjectNotFound = errors.New("subject not found in the registry")

// registryError is an error answer of the API.
type registryError struct {
	Code    int    `json:"error_code"`
	Message string `json:"message"`
}

func (e *registryError) Error() string { return fmt.Sprintf("%s (error %d)", e.Message, e.Code) }

// Is makes errors.Is(err, errRegistrySubjectNotFound) hold for 40401.
func (e *registryError) Is(target error) bool {
	return target == errRegistrySubjectNotFound && e.Code == 40401
}

func (rc *registryClient) subjects(ctx context.Context) ([]string, error) {
	var out []string
	return out, rc.do(ctx, http.MethodGet, "/subjects", nil, &out)
}

func (rc *registryClient) version(ctx context.Context, subject, version string) (registryVersion, error) {
	var v registryVersion
	return v, rc.do(ctx, http.MethodGet, "/subjects/"+url.PathEscape(subject)+"/versions/"+version, nil, &v)
}

// all returns every version of subject, oldest first.
func (rc *registryClient) all(ctx context.Context, subject string) ([]registryVersion, error) {
	var numbers []int
	if err := rc.do(ctx, http.MethodGet, "/subjects/"+url.PathEscape(subject)+"/versions", nil, &numbers); err != nil {
		return nil, err
	}
	out := make([]registryVersion, len(numbers))
	for i, n := range numbers {
		var err error
		if out[i], err = rc.version(ctx, subject, fmt.Sprint(n)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// lookup finds the version of subject that has schema.
func (rc *registryClient) lookup(ctx context.Context, subject string, schema []byte) (int, bool, error) {
	var v registryVersion
	err := rc.do(ctx, http.MethodPost, "/subjects/"+url.PathEscape(subject), map[string]string{"schema": string(schema)}, &v)
	var re *registryError
	if errors.As(err, &re) && re.Code == 40403 {
		return 0, false, nil
	}
	return v.Version, err == nil, err
}

// mode returns the compatibility mode in force for subject.
func (rc *registryClient) mode(ctx context.Context, subject string) (registry.Mode, error) {
	var cfg struct {
		Level string `json:"compatibilityLevel"`
	}
	if err := rc.do(ctx, http.MethodGet, "/config/"+url.PathEscape(subject), nil, &cfg); err != nil {
		return "", err
	}
	return registry.ParseMode(cfg.Level)
}

// do sends a request to the API and decodes its answer into out, or its
// error answer into a *registryError.
func (rc *registryClient) do(ctx context.Context, method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, rc.base+path, r)
	if err != nil {
		return fmt.Errorf("registry URL: %w", err)
	}
	req.Header.Set("Accept", registry.ContentType)
	if body != nil {
		req.Header.Set("Content-Type", registry.ContentType)
	}
	resp, err := rc.http.Do(req)
	if err != nil {
		return fmt.Errorf("the registry at %s does not answer (is civicbus running? give its address with --registry): %w", rc.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, req.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		var re registryError
		if json.Unmarshal(data, &re) == nil && re.Code != 0 {
			return &re
		}
		return fmt.Errorf("%s %s: %s: %.200s", method, req.URL, resp.Status, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: not a schema registry's answer: %w", method, req.URL, err)
	}
	return nil
}
