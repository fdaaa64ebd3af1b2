package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// envPrefix starts the environment variable of every flag.
const envPrefix = "CIVICBUS_"

// cmdFlags is a subcommand's flags. Each flag can also be set by the
// environment variable envName(flag); the command line wins over it.
type cmdFlags struct {
	*flag.FlagSet
	synopsis string
	// source tells, for every flag that was given, how: "--http" or
	// "CIVICBUS_HTTP". A flag missing from it has its default.
	source map[string]string
}

func newFlags(name, synopsis string) *cmdFlags {
	fs := flag.NewFlagSet("civicbus "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse errors are returned, usage printed by usage
	return &cmdFlags{FlagSet: fs, synopsis: synopsis, source: map[string]string{}}
}

// envName is the environment variable of a flag: kafka-listen is
// CIVICBUS_KAFKA_LISTEN.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse parses args and then, for every flag the command line left out, its
// environment variable. flag.ErrHelp is returned as it is.
func (f *cmdFlags) parse(args []string, getenv func(string) string) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{fmt.Errorf("%s: %w", f.Name(), err)}
	}
	f.Visit(func(fl *flag.Flag) { f.source[fl.Name] = "--" + fl.Name })
	var errs []error
	f.VisitAll(func(fl *flag.Flag) {
		env := envName(fl.Name)
		v := getenv(env)
		if v == "" || f.source[fl.Name] != "" {
			return
		}
		if err := f.Set(fl.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", env, v, err))
			return
		}
		f.source[fl.Name] = env
	})
	if err := errors.Join(errs...); err != nil {
		return usageError{fmt.Errorf("%s: %w", f.Name(), err)}
	}
	return nil
}

// given returns how flag name was set ("--http" or "CIVICBUS_HTTP"), or ""
// when it has its default.
func (f *cmdFlags) given(name string) string { return f.source[name] }

// usage writes the synopsis and every flag with its variable and default.
func (f *cmdFlags) usage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n\nflags (each also settable as the environment variable shown):\n", f.synopsis)
	f.VisitAll(func(fl *flag.Flag) {
		kind, text := flag.UnquoteUsage(fl)
		fmt.Fprintf(w, "  --%s\n      %s\n      env %s", strings.TrimSpace(fl.Name+" "+kind), text, envName(fl.Name))
		if fl.DefValue != "" && fl.DefValue != "false" {
			fmt.Fprintf(w, ", default %s", fl.DefValue)
		}
		fmt.Fprintln(w)
	})
}
