package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/schemas/validate"
)

const schemasHelp = `usage: civicbus schemas list [--json]
       civicbus schemas show <topic-or-subject> [--registry URL]
       civicbus schemas check <file.json | -> --subject <topic-or-subject>
       civicbus schemas diff [--registry URL]

The event contracts. list, show and check read this binary's own catalog and
need no server; show --registry and diff ask a running schema registry.

  list    every event: topic, version, title, personal data, schema $id
  show    an event's JSON Schema; with --registry, the registry's latest
          version of the subject instead
  check   validate a sample event against the subject's schema; - reads
          stdin; a file of NDJSON lines is checked line by line
  diff    this binary's schemas against the registry's latest version of
          each subject, under the subject's compatibility mode; exits 1 when
          one is incompatible

A subject is named by its topic (care.sensor-activation.v1), or by its event
name (care.sensor-activation) for the latest major version in the catalog.
--registry defaults to the all-in-one process's http://127.0.0.1:8080/registry
and can be set as CIVICBUS_REGISTRY.
`

// schemasSynopsis is each verb's usage line.
var schemasSynopsis = map[string]string{
	"list":  "civicbus schemas list [--json]",
	"show":  "civicbus schemas show <topic-or-subject> [--registry URL]",
	"check": "civicbus schemas check <file.json | -> --subject <topic-or-subject>",
	"diff":  "civicbus schemas diff [--registry URL]",
}

// schemasStdin is what `schemas check -` reads; tests replace it.
var schemasStdin io.Reader = os.Stdin

// cmdSchemas is `civicbus schemas list|show|check|diff`.
func (c *cli) cmdSchemas(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{errors.New("schemas: say list, show, check or diff (civicbus help schemas)")}
	}
	verb, rest := args[0], args[1:]
	var registryURL, subject string
	var asJSON bool
	f := newFlags("schemas "+verb, schemasSynopsis[verb])
	switch verb {
	case "list":
		f.BoolVar(&asJSON, "json", false, "print one JSON object a line")
	case "show", "diff":
		f.StringVar(&registryURL, "registry", "", "base `URL` of a schema registry (default: the catalog for show; http://"+c.defaults.HTTP+"/registry for diff)")
	case "check":
		f.StringVar(&subject, "subject", "", "the `subject` to check against: a topic or an event name (required)")
	default:
		return usageError{fmt.Errorf("schemas: unknown verb %q; say list, show, check or diff", verb)}
	}
	arg, rest := leadingArg(rest)
	if done, err := c.parseFlags(f, rest); done {
		return err
	}
	if arg == "" && f.NArg() > 0 {
		arg = f.Arg(0)
	}
	if err := schemasArgs(verb, arg, f); err != nil {
		fmt.Fprint(c.stderr, schemasHelp)
		return err
	}
	switch verb {
	case "list":
		return c.schemasList(asJSON)
	case "show":
		return c.schemasShow(ctx, arg, registryURL)
	case "check":
		if subject == "" {
			return usageError{errors.New("schemas check: --subject is required")}
		}
		return c.schemasCheck(arg, subject)
	default:
		if registryURL == "" {
			registryURL = "http://" + c.defaults.HTTP + "/registry"
		}
		return c.schemasDiff(ctx, registryURL)
	}
}

// schemasArgs checks that the verb got the one argument it takes, or none.
func schemasArgs(verb, arg string, f *cmdFlags) error {
	extra := f.NArg() > 1 || (f.NArg() == 1 && f.Arg(0) != arg)
	switch {
	case verb == "show" && (arg == "" || extra):
		return usageError{errors.New("schemas show: give one topic or event name")}
	case verb == "check" && (arg == "" || extra):
		return usageError{errors.New("schemas check: give one file, or - for stdin")}
	case (verb == "list" || verb == "diff") && arg != "":
		return usageError{fmt.Errorf("schemas %s takes no arguments, got %q", verb, arg)}
	}
	return nil
}

// leadingArg splits off a first argument that is not a flag ("-" is one:
// stdin), so that flags may follow it.
func leadingArg(args []string) (string, []string) {
	if len(args) > 0 && (args[0] == "-" || !strings.HasPrefix(args[0], "-")) {
		return args[0], args[1:]
	}
	return "", args
}

// catalogEvent finds the catalog's event with topic name, or with subject
// name at its highest major version.
func catalogEvent(name string) (schemas.Event, bool) {
	var found schemas.Event
	for _, e := range schemas.Events() {
		if e.Topic == name {
			return e, true
		}
		if e.Subject == name && e.Version > found.Version {
			found = e
		}
	}
	return found, found.Version > 0
}

// eventsByTopic is the catalog sorted by topic.
func eventsByTopic() []schemas.Event {
	events := schemas.Events()
	slices.SortFunc(events, func(a, b schemas.Event) int { return strings.Compare(a.Topic, b.Topic) })
	return events
}

func (c *cli) schemasList(asJSON bool) error {
	events := eventsByTopic()
	if asJSON {
		enc := json.NewEncoder(c.stdout)
		for _, e := range events {
			err := enc.Encode(map[string]any{
				"topic": e.Topic, "subject": e.Subject, "version": e.Version, "title": e.Title,
				"personal_data": e.PersonalData, "id": e.SchemaID(), "type": e.CloudEventType(),
				"key": e.Key, "partition_key": e.PartitionKey,
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TOPIC\tVERSION\tTITLE\tPERSONAL DATA\t$ID")
	personal := 0
	for _, e := range events {
		pd := "no"
		if e.PersonalData {
			pd, personal = "yes", personal+1
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\n", e.Topic, e.Version, e.Title, pd, e.SchemaID())
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%d events; %d carry personal data and are never published raw\n", len(events), personal)
	return nil
}

func (c *cli) schemasShow(ctx context.Context, name, registryURL string) error {
	e, inCatalog := catalogEvent(name)
	if registryURL == "" {
		if !inCatalog {
			return fmt.Errorf("schemas show: %q is no topic or event in the catalog; civicbus schemas list lists them", name)
		}
		data, err := e.Schema()
		if err != nil {
			return err
		}
		_, err = c.stdout.Write(data)
		return err
	}
	subject := name
	if inCatalog {
		subject = e.Topic // the registry's subject is the topic
	}
	v, err := newRegistryClient(registryURL).version(ctx, subject, "latest")
	if err != nil {
		return fmt.Errorf("schemas show: %w", err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, []byte(v.Schema), "", "  "); err != nil {
		return fmt.Errorf("schemas show: the registry's schema of %s: %w", subject, err)
	}
	pretty.WriteByte('\n')
	_, err = pretty.WriteTo(c.stdout)
	return err
}

// sample is one event of a file that `schemas check` reads: the whole file,
// or one NDJSON line (line counts from 1; 0 for the whole file).
type sample struct {
	line int
	data []byte
}

// samples reads a file as one JSON document, or as NDJSON when it is not one
// and its first line is a JSON value of its own.
func samples(data []byte) []sample {
	if json.Valid(data) {
		return []sample{{data: data}}
	}
	var out []sample
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if len(out) == 0 && !json.Valid(line) {
			return []sample{{data: data}} // one document with a syntax error
		}
		out = append(out, sample{line: i + 1, data: line})
	}
	if len(out) < 2 {
		return []sample{{data: data}}
	}
	return out
}

func (c *cli) schemasCheck(file, subject string) error {
	e, ok := catalogEvent(subject)
	if !ok {
		return fmt.Errorf("schemas check: %q is no topic or event in the catalog; civicbus schemas list lists them", subject)
	}
	schema, err := e.Schema()
	if err != nil {
		return err
	}
	v, err := validate.New(validate.Config{})
	if err == nil {
		err = v.Add(e.SchemaID(), schema)
	}
	if err != nil {
		return fmt.Errorf("schemas check: %w", err)
	}
	name, data, err := readSample(file)
	if err != nil {
		return fmt.Errorf("schemas check: %w", err)
	}
	all := samples(data)
	bad := 0
	for _, s := range all {
		if err := v.Validate(e.SchemaID(), s.data); err != nil {
			bad++
			for _, p := range problems(err, e.SchemaID(), s.data) {
				fmt.Fprintf(c.stdout, "%s: %s\n", where(name, s.line, p.pos), p.text)
			}
		}
	}
	switch {
	case all[0].line == 0 && bad > 0:
		return fmt.Errorf("schemas check: %s does not match %s", name, e.Topic)
	case bad > 0:
		return fmt.Errorf("schemas check: %d of %d events in %s do not match %s", bad, len(all), name, e.Topic)
	case all[0].line == 0:
		fmt.Fprintf(c.stdout, "ok: %s matches %s (%s)\n", name, e.Topic, e.SchemaID())
	default:
		fmt.Fprintf(c.stdout, "ok: all %d events in %s match %s (%s)\n", len(all), name, e.Topic, e.SchemaID())
	}
	return nil
}

func readSample(file string) (name string, data []byte, err error) {
	if file == "-" {
		data, err = io.ReadAll(schemasStdin)
		return "<stdin>", data, err
	}
	data, err = os.ReadFile(file)
	return file, data, err
}

// problem is one thing wrong with a sample; pos is a 1-based line:column in
// the sample for a syntax error, else "".
type problem struct{ pos, text string }

// problems lists what err says is wrong with data, without the "validate
// <id>:" prefix.
func problems(err error, id string, data []byte) []problem {
	var invalid *validate.Error
	var syntax *validate.SyntaxError
	switch {
	case errors.As(err, &invalid):
		var out []problem
		for _, cause := range invalid.Causes {
			out = append(out, problem{text: cause.String()})
		}
		if invalid.Omitted > 0 {
			out = append(out, problem{text: fmt.Sprintf("and %d more", invalid.Omitted)})
		}
		return out
	case errors.As(err, &syntax):
		return []problem{{pos: lineCol(data, syntax.Offset), text: syntax.Error()}}
	}
	return []problem{{text: strings.TrimPrefix(err.Error(), "validate "+id+": ")}}
}

// lineCol turns a byte offset into "line:column", both from 1.
func lineCol(data []byte, offset int64) string {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("%d:%d", line, col)
}

// where is "file", "file:line" for an NDJSON line, plus ":line:col" or
// ":col" for a syntax error.
func where(name string, line int, pos string) string {
	switch {
	case line > 0 && pos != "":
		_, col, _ := strings.Cut(pos, ":")
		return fmt.Sprintf("%s:%d:%s", name, line, col)
	case line > 0:
		return fmt.Sprintf("%s:%d", name, line)
	case pos != "":
		return name + ":" + pos
	}
	return name
}
