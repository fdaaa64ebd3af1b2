package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/invopop/jsonschema"
	"gopkg.in/yaml.v3"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/all"
	"github.com/vasteras/civicbus/connectors/filedrop"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/schemas/contracts"
)

const connectorsHelp = `usage: civicbus connectors list [--json]
       civicbus connectors check <file.yaml>...
       civicbus connectors try <file.yaml> [--limit N] [--timeout D] [--idle D] [--json]
       civicbus connectors status [--url URL] [--watch [--interval D]]

The connectors: sources outside the bus, each configured by a YAML file.

  list    every connector kind with its summary and the fields of its YAML,
          from the kind's JSON Schema: field, type, required, description
  check   load each file (strict YAML: unknown fields are errors, with their
          line), build it (the kind's config, the CEL mapping, the topic in
          the catalog); every problem is printed; exits 1 on any
  try     read up to --limit records (default 20), map each and validate it
          against its contract; prints each event (id, key, JSON) and
          whether it is valid, or why it would be dead-lettered. Nothing is
          published and nothing is acknowledged or checkpointed. A filedrop
          connector reads a copy of its directory's files in a temporary
          directory, so no file is moved to processed/ or failed/. Reading
          stops at --limit, at the end of the input, after --idle without a
          record (default 2s) or after --timeout (default 30s)
  status  the connectors of a running civicbus: state, records in, out and
          failed, lag, rate, last success and last error; --url defaults to
          http://127.0.0.1:8080/api/connectors (CIVICBUS_URL). With --watch,
          a line per connector every --interval (default 1s) until Ctrl-C:
          during a backfill a progress bar with the share done, the rate
          and the time left (kitchen-waste [#####.....] 52% 48,210 rec/s
          ETA 0:12), redrawn in place on a terminal, plain lines otherwise
`

var connectorsSynopsis = map[string]string{
	"list":   "civicbus connectors list [--json]",
	"check":  "civicbus connectors check <file.yaml>...",
	"try":    "civicbus connectors try <file.yaml> [--limit N] [--timeout D] [--idle D] [--json]",
	"status": "civicbus connectors status [--url URL] [--watch [--interval D]]",
}

// cmdConnectors is `civicbus connectors list|check|try|status`.
func (c *cli) cmdConnectors(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{errors.New("connectors: say list, check, try or status (civicbus help connectors)")}
	}
	verb, rest := args[0], args[1:]
	f := newFlags("connectors "+verb, connectorsSynopsis[verb])
	var asJSON, watch bool
	var limit int
	var timeout, idle, interval time.Duration
	var url string
	switch verb {
	case "list":
		f.BoolVar(&asJSON, "json", false, "print one JSON object a line")
	case "check":
	case "try":
		f.BoolVar(&asJSON, "json", false, "print one JSON object a line")
		f.IntVar(&limit, "limit", 20, "read at most `N` records")
		f.DurationVar(&timeout, "timeout", 30*time.Second, "stop reading after this long")
		f.DurationVar(&idle, "idle", 2*time.Second, "stop reading when no record came for this long")
	case "status":
		f.StringVar(&url, "url", "http://"+c.defaults.HTTP+"/api/connectors", "the `URL` of a running civicbus's connector status")
		f.BoolVar(&watch, "watch", false, "show each connector's progress every --interval until stopped")
		f.DurationVar(&interval, "interval", time.Second, "how often --watch asks")
	default:
		return usageError{fmt.Errorf("connectors: unknown verb %q; say list, check, try or status", verb)}
	}
	files, done, err := c.parseInterleaved(f, rest)
	if done {
		return err
	}
	switch verb {
	case "list":
		if len(files) > 0 {
			return usageError{fmt.Errorf("connectors list takes no arguments, got %q", files[0])}
		}
		return c.connectorsList(asJSON)
	case "check":
		if len(files) == 0 {
			return usageError{errors.New("connectors check: give one or more YAML files")}
		}
		return c.connectorsCheck(files)
	case "try":
		if len(files) != 1 {
			return usageError{errors.New("connectors try: give one YAML file")}
		}
		if limit <= 0 {
			return usageError{errors.New("connectors try: --limit must be positive")}
		}
		return c.connectorsTry(ctx, files[0], limit, timeout, idle, asJSON)
	default:
		if len(files) > 0 {
			return usageError{fmt.Errorf("connectors status takes no arguments, got %q", files[0])}
		}
		if watch {
			if interval <= 0 {
				return usageError{errors.New("connectors status: --interval must be positive")}
			}
			return c.connectorsWatch(ctx, url, interval)
		}
		return c.connectorsStatus(ctx, url)
	}
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments, which it returns.
func (c *cli) parseInterleaved(f *cmdFlags, args []string) (pos []string, done bool, err error) {
	var flagArgs []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case a == "-" || !strings.HasPrefix(a, "-"):
			pos = append(pos, a)
		default:
			flagArgs = append(flagArgs, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			if fl := f.Lookup(name); fl != nil && i+1 < len(args) {
				if b, ok := fl.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
					continue
				}
				i++
				flagArgs = append(flagArgs, args[i])
			}
		}
	}
	if done, err := c.parseFlags(f, flagArgs); done {
		return nil, true, err
	}
	return append(pos, f.Args()...), false, nil
}

// configField is one documented field of a connector's YAML.
type configField struct {
	Field       string `json:"field"`
	Type        string `json:"type"`
	Required    bool   `json:"required"`
	Description string `json:"description,omitempty"`
}

type kindDoc struct {
	Kind    string        `json:"kind"`
	Summary string        `json:"summary"`
	Fields  []configField `json:"fields"`
}

func kindDocs() ([]kindDoc, error) {
	reg := all.Registry()
	var out []kindDoc
	for _, k := range reg.Kinds() {
		raw, err := reg.ConfigSchema(k.Name)
		if err != nil {
			return nil, err
		}
		var s jsonschema.Schema
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("connectors list: %s: %w", k.Name, err)
		}
		d := kindDoc{Kind: k.Name, Summary: k.Summary}
		d.Fields = schemaFields(&s, "", d.Fields)
		out = append(out, d)
	}
	return out, nil
}

// schemaFields lists the properties of s, depth first, as dotted paths.
func schemaFields(s *jsonschema.Schema, prefix string, out []configField) []configField {
	if s == nil || s.Properties == nil {
		return out
	}
	req := map[string]bool{}
	for _, r := range s.Required {
		req[r] = true
	}
	for p := s.Properties.Oldest(); p != nil; p = p.Next() {
		ps := p.Value
		typ := ps.Type
		switch {
		case ps.Const != nil:
			typ = fmt.Sprintf("%v", ps.Const)
		case len(ps.Enum) > 0:
			vals := make([]string, len(ps.Enum))
			for i, v := range ps.Enum {
				vals[i] = fmt.Sprint(v)
			}
			typ += " (" + strings.Join(vals, "|") + ")"
		case typ == "object" && ps.AdditionalProperties != nil && ps.AdditionalProperties.Type != "":
			typ = "map of " + ps.AdditionalProperties.Type
		case typ == "array" && ps.Items != nil:
			typ = "list of " + ps.Items.Type
		}
		out = append(out, configField{Field: prefix + p.Key, Type: typ, Required: req[p.Key], Description: ps.Description})
		out = schemaFields(ps, prefix+p.Key+".", out)
	}
	return out
}

func (c *cli) connectorsList(asJSON bool) error {
	docs, err := kindDocs()
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(c.stdout)
		for _, d := range docs {
			if err := enc.Encode(d); err != nil {
				return err
			}
		}
		return nil
	}
	for i, d := range docs {
		if i > 0 {
			fmt.Fprintln(c.stdout)
		}
		fmt.Fprintf(c.stdout, "%s — %s\n", d.Kind, d.Summary)
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  FIELD\tTYPE\tREQUIRED\tDESCRIPTION")
		for _, f := range d.Fields {
			r := ""
			if f.Required {
				r = "yes"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", f.Field, f.Type, r, f.Description)
		}
		tw.Flush()
	}
	return nil
}

// loadConnector reads and builds the connector file: every problem, one a
// line, prefixed with the file's name and, where known, its line.
func loadConnector(file string) (connectors.Config, connectors.Source, *connectors.Mapping, []string) {
	data, err := os.ReadFile(file)
	if err != nil {
		return connectors.Config{}, nil, nil, []string{err.Error()}
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root) // for line numbers only
	cfg, err := connectors.ParseConfig(data, file)
	if err != nil {
		return cfg, nil, nil, errorLines(file, "", &root, err)
	}
	src, m, err := all.Registry().Build(cfg, nil)
	if err != nil {
		errs := []error{err}
		if _, evErr := cfg.Event(); evErr != nil && cfg.Mapping.Validate() == nil {
			// Build compiles the mapping only for a known topic; its CEL
			// errors are wanted all the same.
			if _, merr := connectors.CompileMapping(cfg.Mapping, schemas.Event{}); merr != nil {
				errs = append(errs, merr)
			}
		}
		return cfg, nil, nil, errorLines(file, cfg.Name, &root, errors.Join(errs...))
	}
	return cfg, src, m, nil
}

var (
	lineRE  = regexp.MustCompile(`^(.*?)line (\d+): `)
	fieldRE = regexp.MustCompile(`^mapping: field "([^"]+)"`)
)

// errorLines splits a joined error into lines, each naming the file and,
// when the error or the YAML tells it, the line.
func errorLines(file, name string, root *yaml.Node, err error) []string {
	var out []string
	for l := range strings.SplitSeq(err.Error(), "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		l = strings.TrimPrefix(l, "connectors: ")
		l = strings.TrimPrefix(l, file+": ")
		if name != "" {
			l = strings.TrimPrefix(l, name+": ")
		}
		l = strings.TrimPrefix(l, "yaml: ")
		if l == "unmarshal errors:" {
			continue
		}
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "| ") { // the source and caret under a CEL error
			out = append(out, "    "+l)
			continue
		}
		line := 0
		if m := lineRE.FindStringSubmatch(l); m != nil {
			line, _ = strconv.Atoi(m[2])
			l = m[1] + l[len(m[0]):]
		} else if m := fieldRE.FindStringSubmatch(l); m != nil {
			line = lineOf(root, "mapping", "fields", m[1])
		} else if key, _, ok := strings.Cut(l, ":"); ok && !strings.ContainsAny(key, " \t") {
			line = lineOf(root, key)
			if key == "mapping" && strings.HasPrefix(l, "mapping: version") {
				line = lineOf(root, "mapping", "version")
			}
		}
		if line > 0 {
			out = append(out, fmt.Sprintf("%s:%d: %s", file, line, l))
		} else {
			out = append(out, file+": "+l)
		}
	}
	return out
}

// lineOf is the line of the key at path in the YAML document; 0 when it is
// not there.
func lineOf(n *yaml.Node, path ...string) int {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	line := 0
	for _, key := range path {
		if n.Kind != yaml.MappingNode {
			return 0
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				line, n, found = n.Content[i].Line, n.Content[i+1], true
				break
			}
		}
		if !found {
			return 0
		}
	}
	return line
}

func (c *cli) connectorsCheck(files []string) error {
	bad := 0
	for _, file := range files {
		cfg, src, _, problems := loadConnector(file)
		if src != nil {
			_ = src.Close(context.Background())
		}
		if len(problems) > 0 {
			bad++
			for _, p := range problems {
				fmt.Fprintln(c.stdout, p)
			}
			continue
		}
		fmt.Fprintf(c.stdout, "ok: %s (%s %s → %s)\n", file, cfg.Kind, cfg.Name, cfg.Topic)
	}
	if bad > 0 {
		return fmt.Errorf("connectors check: %d of %d files have problems", bad, len(files))
	}
	return nil
}

// tryResult is one record as `connectors try` shows it.
type tryResult struct {
	Origin       string          `json:"origin,omitempty"`
	ID           string          `json:"id,omitempty"`
	Key          string          `json:"key,omitempty"`
	PartitionKey string          `json:"partition_key,omitempty"`
	Event        json.RawMessage `json:"event,omitempty"`
	Valid        bool            `json:"valid"`
	Error        string          `json:"error,omitempty"`
}

// tryResultOf is what `connectors try` shows of rec's conversion.
func tryResultOf(conv connectors.Converter, rec connectors.Record) tryResult {
	c := conv.Convert(rec)
	res := tryResult{Origin: rec.Origin.String(), ID: c.ID, Key: c.Key, PartitionKey: c.PartitionKey,
		Event: c.Payload, Valid: c.Err == nil}
	if c.Err != nil {
		res.Error = c.Err.Error()
	}
	return res
}

// sandbox points a filedrop connector at a copy of its directory's files,
// so that trying it moves none of them; it returns the cleanup.
func sandbox(cfg *connectors.Config) (func(), error) {
	if cfg.Kind != "filedrop" {
		return func() {}, nil
	}
	var fc filedrop.Config
	if err := connectors.DecodeStrict(&cfg.Config, &fc); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "civicbus-try-")
	if err != nil {
		return nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	entries, err := os.ReadDir(fc.Dir)
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("filedrop: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		from, to := filepath.Join(fc.Dir, e.Name()), filepath.Join(tmp, e.Name())
		if os.Link(from, to) == nil { // a hard link is cheap; renaming it leaves the original where it is
			continue
		}
		if err := copyFile(from, to); err != nil {
			cleanup()
			return nil, err
		}
	}
	fc.Dir = tmp
	fc.PollIntervalMS = 10
	if err := cfg.Config.Encode(fc); err != nil {
		cleanup()
		return nil, err
	}
	return cleanup, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func (c *cli) connectorsTry(ctx context.Context, file string, limit int, timeout, idle time.Duration, asJSON bool) error {
	cfg, src, _, problems := loadConnector(file)
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	_ = src.Close(ctx)
	cleanup, err := sandbox(&cfg)
	if err != nil {
		return fmt.Errorf("connectors try: %s: %w", file, err)
	}
	defer cleanup()
	src, m, err := all.Registry().Build(cfg, nil)
	if err != nil {
		return fmt.Errorf("connectors try: %s: %w", file, err)
	}
	ct, err := contracts.Default()
	if err != nil {
		return fmt.Errorf("connectors try: %w", err)
	}
	conv := connectors.Converter{SourceURI: cfg.SourceURI(), Mapping: m, Contract: ct}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer src.Close(context.WithoutCancel(ctx))
	if err := src.Connect(ctx); err != nil {
		return fmt.Errorf("connectors try: %s: connect: %w", cfg.Name, err)
	}
	var results []tryResult
	stopped := "the end of the input"
	for len(results) < limit {
		rctx, rcancel := context.WithTimeout(ctx, idle)
		batch, _, err := src.Read(rctx) // never acknowledged: nothing is checkpointed
		rcancel()
		if errors.Is(err, connectors.ErrEndOfInput) {
			break
		}
		if err != nil && ctx.Err() != nil {
			stopped = "--timeout"
			break
		}
		if err != nil && errors.Is(err, context.DeadlineExceeded) {
			stopped = "no record for --idle " + idle.String()
			break
		}
		if err != nil {
			return fmt.Errorf("connectors try: %s: read: %w", cfg.Name, err)
		}
		for _, rec := range batch {
			if len(results) == limit {
				stopped = "--limit"
				break
			}
			results = append(results, tryResultOf(conv, rec))
		}
		if len(results) == limit {
			stopped = "--limit"
		}
	}
	valid := 0
	enc := json.NewEncoder(c.stdout)
	for i, r := range results {
		if r.Valid {
			valid++
		}
		if asJSON {
			if err := enc.Encode(r); err != nil {
				return err
			}
			continue
		}
		where := r.Origin
		if where == "" {
			where = "#" + strconv.Itoa(i+1)
		}
		if r.Valid {
			fmt.Fprintf(c.stdout, "%s: valid  id=%s key=%s\n  %s\n", where, r.ID, strings.ReplaceAll(r.Key, "\x1f", " "), r.Event)
		} else {
			fmt.Fprintf(c.stdout, "%s: INVALID, would be dead-lettered: %s\n", where, r.Error)
			if r.Event != nil {
				fmt.Fprintf(c.stdout, "  %s\n", r.Event)
			}
		}
	}
	if !asJSON {
		fmt.Fprintf(c.stdout, "%d records read (stopped at %s): %d valid, %d would be dead-lettered; nothing published\n",
			len(results), stopped, valid, len(results)-valid)
	}
	return nil
}

// fetchStatus gets the status list of a running civicbus.
func fetchStatus(ctx context.Context, url string) ([]connectors.Status, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, usageError{fmt.Errorf("connectors status: %w", err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("connectors status: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("connectors status: %s: %s", url, resp.Status)
	}
	var list []connectors.Status
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, fmt.Errorf("connectors status: %s: %w", url, err)
	}
	return list, nil
}

func (c *cli) connectorsStatus(ctx context.Context, url string) error {
	list, err := fetchStatus(ctx, url)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(c.stdout, "no connectors are running")
		return nil
	}
	when := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tENDED\tIN\tOUT\tFAILED\tLAG\tREC/S\tLAST SUCCESS\tLAST ERROR")
	for _, s := range list {
		last := "-"
		if s.LastError != "" {
			last = when(s.LastErrorAt) + " " + strings.ReplaceAll(s.LastError, "\n", "; ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", s.Connector, s.State, when(s.EndedAt), s.RecordsIn, s.RecordsOut, s.Failed, s.Lag,
			thousands(int64(s.Rate+0.5)), when(s.LastSuccess), last)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if legend := stateLegend(list); legend != "" {
		fmt.Fprintf(c.stdout, "\n%s\n", legend)
	}
	return nil
}

// stateLegend says what the end states among list mean (finished is a
// normal end, not a failure); "" when none has ended.
func stateLegend(list []connectors.Status) string {
	seen := map[connectors.State]bool{}
	for _, s := range list {
		seen[s.State] = true
	}
	var parts []string
	for _, e := range []struct {
		state connectors.State
		text  string
	}{
		{connectors.StateFinished, "finished: read all of its input, which is on the bus (a normal end)"},
		{connectors.StateStopped, "stopped: shut down before the end of its input"},
		{connectors.StateFailed, "failed: ended with the error under LAST ERROR"},
	} {
		if seen[e.state] {
			parts = append(parts, e.text)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "\n")
}

// connectorsWatch shows every connector's progress each interval until ctx
// ends: redrawn in place on a terminal, as plain lines otherwise. A failed
// request is shown and asked again.
func (c *cli) connectorsWatch(ctx context.Context, url string, interval time.Duration) error {
	tty := isTerminal(c.stdout)
	drawn := 0
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		var lines []string
		list, err := fetchStatus(ctx, url)
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case err != nil:
			lines = []string{err.Error()}
		case len(list) == 0:
			lines = []string{"no connectors are running"}
		}
		width := 0
		for _, s := range list {
			width = max(width, len(s.Connector))
		}
		for _, s := range list {
			lines = append(lines, progressLine(s, width))
		}
		fmt.Fprint(c.stdout, redraw(drawn, lines, tty))
		drawn = len(lines)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// barWidth is the number of cells of a progress bar.
const barWidth = 20

// progressLine is one connector's line of --watch: during a backfill its
// bar, share done, rate and time left; else its state, rate and counts.
// name is padded to width.
func progressLine(s connectors.Status, width int) string {
	rate := thousands(int64(s.Rate+0.5)) + " rec/s"
	b := s.Backfill
	if b == nil {
		line := fmt.Sprintf("%-*s  %-10s  %s  in %s  out %s  failed %s", width, s.Connector, s.State, rate,
			thousands(s.RecordsIn), thousands(s.RecordsOut), thousands(s.Failed))
		if s.State.Ended() && !s.EndedAt.IsZero() {
			line += "  at " + s.EndedAt.UTC().Format(time.RFC3339)
		}
		if s.State == connectors.StateFailed && s.LastError != "" {
			line += "  " + strings.ReplaceAll(s.LastError, "\n", "; ")
		}
		return line
	}
	filled := min(barWidth, max(0, int(b.Percent/100*barWidth)))
	bar := strings.Repeat("#", filled) + strings.Repeat(".", barWidth-filled)
	eta := "-:--"
	if b.ETASeconds > 0 {
		eta = clock(time.Duration(b.ETASeconds * float64(time.Second)))
	}
	return fmt.Sprintf("%-*s  [%s] %3d%%  %s  ETA %s", width, s.Connector, bar, int(b.Percent), rate, eta)
}

// redraw is what to write to show lines: on a terminal it first moves up
// over the drawn lines of the last round and clears each line it writes.
func redraw(drawn int, lines []string, tty bool) string {
	var sb strings.Builder
	if tty && drawn > 0 {
		fmt.Fprintf(&sb, "\x1b[%dA", drawn)
	}
	for _, l := range lines {
		if tty {
			sb.WriteString("\r\x1b[2K")
		}
		sb.WriteString(l)
		sb.WriteByte('\n')
	}
	if tty {
		for range drawn - len(lines) { // fewer lines than last time
			sb.WriteString("\x1b[2K\n")
		}
	}
	return sb.String()
}

// thousands formats n with commas between thousands: 48,210.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// clock formats d as m:ss, or h:mm:ss from an hour, rounded up to the second.
func clock(d time.Duration) string {
	sec := int64((d + time.Second - 1) / time.Second)
	if sec >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", sec/3600, sec/60%60, sec%60)
	}
	return fmt.Sprintf("%d:%02d", sec/60, sec%60)
}

// isTerminal says whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
