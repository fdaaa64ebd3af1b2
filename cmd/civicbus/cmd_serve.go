package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vasteras/civicbus/services"
)

// serveConfig is the configuration of `civicbus serve`.
type serveConfig struct {
	commonConfig
}

func (c *cli) serveFlags(cfg *serveConfig) *cmdFlags {
	f := newFlags("serve", "civicbus serve <service> --brokers host:port,… [flags]")
	f.StringVar(&cfg.Brokers, "brokers", "", "Kafka `brokers`, host:port,… (required)")
	c.addCommonFlags(f, &cfg.commonConfig, "./data/civicbus.db")
	return f
}

// cmdServe is `civicbus serve <service>`: one service alone, against an
// external Kafka, with the same HTTP server as `run`.
func (c *cli) cmdServe(ctx context.Context, args []string) error {
	var cfg serveConfig
	f := c.serveFlags(&cfg)
	name, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, rest = args[0], args[1:] // serve <service> [flags]
	}
	if done, err := c.parseFlags(f, rest); done {
		return err
	}
	if name == "" && f.NArg() > 0 {
		name = f.Arg(0) // serve [flags] <service>
	}
	svc, err := c.lookupService(name, f)
	if err != nil {
		return err
	}
	if cfg.Brokers == "" {
		f.usage(c.stderr)
		return usageError{errors.New("serve: --brokers is required (or CIVICBUS_BROKERS)")}
	}
	conn, err := cfg.connection("civicbus-" + svc.Name)
	if err != nil {
		return fmt.Errorf("serve %s: %w", svc.Name, err)
	}
	httpLn, note, err := listenOrNext(listenSpec{Addr: cfg.HTTP, Flag: "--http", Source: f.given("http")}, tcpListen)
	if err != nil {
		return fmt.Errorf("serve %s: %w", svc.Name, err)
	}
	b := &banner{title: versionLine() + " is serving " + svc.Name}
	b.add("Kafka bootstrap", cfg.Brokers)
	b.addHTTP(httpLn.Addr())
	b.note(note)
	b.add("database", cfg.DB)
	b.write(c.stdout)

	logger := c.logger.With("service", svc.Name)
	stopPprof, err := startPprof(cfg.Pprof, logger)
	if err != nil {
		return fmt.Errorf("serve: --pprof-listen: %w", err)
	}
	defer stopPprof()
	p := &process{logger: logger, conn: conn, registry: newRegistry(), httpLn: httpLn, services: []services.Service{svc}, db: cfg.DB}
	return p.run(ctx)
}

// lookupService finds the service that `serve` was asked for, or says which
// ones there are.
func (c *cli) lookupService(name string, f *cmdFlags) (services.Service, error) {
	switch {
	case name == "":
		return services.Service{}, usageError{fmt.Errorf("serve: which service? known services: %s", serviceNames())}
	case f.NArg() > 1 || (f.NArg() == 1 && f.Arg(0) != name):
		return services.Service{}, usageError{fmt.Errorf("serve: unexpected arguments %q", f.Args())}
	}
	svc, ok := services.Lookup(name)
	if !ok {
		return services.Service{}, usageError{fmt.Errorf("serve: unknown service %q; known services: %s", name, serviceNames())}
	}
	return svc, nil
}
