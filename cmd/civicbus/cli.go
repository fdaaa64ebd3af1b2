package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/vasteras/civicbus/services"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = ""

// defaultAddrs are the listen addresses used when no flag or variable gives
// one. When one of them is taken, the next free port above it is used. Demo
// is the default of `run --demo`: on in the binary, off in tests that do not
// ask for it (the demo's simulators would load the machine).
type defaultAddrs struct {
	HTTP        string
	KafkaListen string
	MQTTListen  string
	Demo        bool
}

// builtinDefaults are the documented defaults: Kafka's, a web server's and
// MQTT's usual ports, on loopback only.
var builtinDefaults = defaultAddrs{HTTP: "127.0.0.1:8080", KafkaListen: "127.0.0.1:9092", MQTTListen: "127.0.0.1:1883", Demo: true}

// cli is one invocation of the command: where it writes, where its
// environment comes from, and its defaults, so tests can run it in parallel.
type cli struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	defaults       defaultAddrs
	level          *slog.LevelVar // set by --log-level
	logger         *slog.Logger
}

func newCLI(stdout, stderr io.Writer, getenv func(string) string, defaults defaultAddrs) *cli {
	level := new(slog.LevelVar)
	return &cli{
		stdout:   stdout,
		stderr:   stderr,
		getenv:   getenv,
		defaults: defaults,
		level:    level,
		logger:   slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	}
}

// usageError is a command line that cannot be run as given.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func (c *cli) main(ctx context.Context, args []string) error {
	if len(args) == 0 {
		c.help(c.stderr)
		return usageError{errors.New("no command given")}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return c.cmdRun(ctx, rest)
	case "serve":
		return c.cmdServe(ctx, rest)
	case "dlq":
		return c.cmdDLQ(ctx, rest)
	case "schemas":
		return c.cmdSchemas(ctx, rest)
	case "connectors":
		return c.cmdConnectors(ctx, rest)
	case "datasets":
		return c.cmdDatasets(ctx, rest)
	case "rules":
		return c.cmdRules(ctx, rest)
	case "models":
		return c.cmdModels(ctx, rest)
	case "healthcheck":
		return c.cmdHealthcheck(ctx, rest)
	case "bench":
		return c.cmdBench(ctx, rest)
	case "version", "-version", "--version":
		fmt.Fprintln(c.stdout, versionLine())
		return nil
	case "help", "-h", "-help", "--help":
		return c.cmdHelp(rest)
	default:
		c.help(c.stderr)
		return usageError{fmt.Errorf("unknown command %q", cmd)}
	}
}

func (c *cli) cmdHelp(args []string) error {
	if len(args) == 0 {
		c.help(c.stdout)
		return nil
	}
	switch args[0] {
	case "run":
		c.runFlags(&runConfig{}).usage(c.stdout)
	case "serve":
		c.serveFlags(&serveConfig{}).usage(c.stdout)
	case "healthcheck":
		c.healthcheckFlags(new(string)).usage(c.stdout)
	case "bench":
		fmt.Fprint(c.stdout, benchHelp)
		c.benchFlags(&benchConfig{}).usage(c.stdout)
	case "dlq":
		fmt.Fprint(c.stdout, dlqHelp)
	case "schemas":
		fmt.Fprint(c.stdout, schemasHelp)
	case "connectors":
		fmt.Fprint(c.stdout, connectorsHelp)
	case "datasets":
		fmt.Fprint(c.stdout, datasetsHelp)
	case "rules":
		fmt.Fprint(c.stdout, rulesHelp)
	case "models":
		fmt.Fprint(c.stdout, modelsHelp)
	default:
		return usageError{fmt.Errorf("help: unknown command %q", args[0])}
	}
	return nil
}

const dlqHelp = `usage: civicbus dlq list <topic>
       civicbus dlq replay <topic> [--id ID]
  civicbus schemas list                the event contracts of this binary's catalog
  civicbus schemas show <topic>        an event's JSON Schema [--registry URL: the registry's latest]
  civicbus schemas check <file> --subject <topic>
                                       validate a sample event, or NDJSON lines; - is stdin
  civicbus schemas diff [--registry URL]
                                       this catalog against a running registry; exit 1 if incompatible

Lists the dead letters of <topic> (the records in <topic>.dlq, with the error,
the handler and the attempt count), or publishes them to <topic> again: all of
them, or the one with ce_id ID.
`

func (c *cli) help(w io.Writer) {
	fmt.Fprintf(w, `civicbus — the open-data and automation event bus of Västerås stad

usage:
  civicbus run [flags]                 all services in one process, with an embedded
                                       Kafka-protocol broker persisting to --data
  civicbus serve <service> [flags]     one service alone, against --brokers
  civicbus dlq list <topic>            the dead letters of a topic
  civicbus dlq replay <topic> [--id ID]
  civicbus schemas list                the event contracts of this binary's catalog
  civicbus schemas show <topic>        an event's JSON Schema [--registry URL: the registry's latest]
  civicbus schemas check <file> --subject <topic>
                                       validate a sample event, or NDJSON lines; - is stdin
  civicbus schemas diff [--registry URL]
                                       this catalog against a running registry; exit 1 if incompatible
  civicbus connectors list             the connector kinds and the fields of their YAML
  civicbus connectors check <file.yaml>...
                                       every problem of connector files, with its line
  civicbus connectors try <file.yaml> [--limit 20]
                                       read and map records without publishing; show each event
  civicbus connectors status [--url URL]
                                       the connectors of a running civicbus
  civicbus datasets list|check|schema  the open-dataset definitions
  civicbus datasets preview|publish <id>
                                       anonymise current data (preview) or publish a version
  civicbus datasets anonymise <file.csv> --hierarchies DIR
                                       k-anonymise a CSV file with ARX hierarchies
  civicbus rules check|test <dir>      type-check the automation's rules; run their YAML tests
  civicbus models eval meals|snow|forecast
                                       a model's evaluation on the demo data
  civicbus healthcheck [--url URL]     exit 0 when a running civicbus is healthy
  civicbus bench [--rate N --duration D --mix …]
                                       load: sources through civicbus run; latency, CPU, memory
  civicbus version
  civicbus help [command]              a command's flags

Every flag can also be set as CIVICBUS_<NAME> (--kafka-listen: CIVICBUS_KAFKA_LISTEN).

services: %s
`, serviceList())
}

// serviceList names the registered services, for help and error messages.
func serviceList() string {
	all := services.All()
	if len(all) == 0 {
		return "none registered yet"
	}
	var b strings.Builder
	for _, s := range all {
		fmt.Fprintf(&b, "\n  %-12s %s", s.Name, s.Description)
	}
	return b.String()
}

// serviceNames is the registered services' names, comma-separated.
func serviceNames() string {
	names := services.Names()
	if len(names) == 0 {
		return "none registered yet"
	}
	return strings.Join(names, ", ")
}

// versionLine is "civicbus <version> (<go version>, <os>/<arch>)", with the
// module version or VCS revision when the build recorded one.
func versionLine() string {
	v := version
	if v == "" {
		v = "devel"
		if info, ok := debug.ReadBuildInfo(); ok {
			if info.Main.Version != "" && info.Main.Version != "(devel)" {
				v = info.Main.Version
			}
			for _, s := range info.Settings {
				if s.Key == "vcs.revision" && len(s.Value) >= 12 {
					v += " " + s.Value[:12]
				}
			}
		}
	}
	return fmt.Sprintf("civicbus %s (%s, %s/%s)", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
