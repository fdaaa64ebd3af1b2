package connectors

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Kind is a kind of connector: how to build its Source from its YAML.
type Kind struct {
	// Name is what a config's kind says, e.g. filedrop.
	Name string
	// Summary says in one line what the kind reads.
	Summary string
	// Config returns a pointer to a zero config of the kind, for its JSON
	// Schema and documentation.
	Config func() any
	// New decodes the kind's config from node strictly (see DecodeStrict),
	// validates it, and returns the Source.
	New func(node *yaml.Node, env Env) (Source, error)
}

// Env is what a Kind's New gets besides its config.
type Env struct {
	Name   string       // the connector's name
	Logger *slog.Logger // never nil
	// Mux is the process's HTTP mux, where a kind that is called (webhook)
	// mounts its endpoint; nil when the process serves no HTTP (connectors
	// check and try), and such a kind then fails at Connect, saying so.
	Mux *http.ServeMux
}

// Registry knows the connector kinds. Build one with NewRegistry from an
// explicit list; nothing registers itself.
type Registry struct {
	kinds map[string]Kind
	mux   *http.ServeMux
}

// WithMux returns a registry of the same kinds whose Build gives mux to the
// kinds (Env.Mux): the registry of a process that serves HTTP.
func (r *Registry) WithMux(mux *http.ServeMux) *Registry {
	return &Registry{kinds: r.kinds, mux: mux}
}

// NewRegistry returns a registry of kinds; a kind without a name or New, or
// a name twice, is an error.
func NewRegistry(kinds ...Kind) (*Registry, error) {
	r := &Registry{kinds: make(map[string]Kind, len(kinds))}
	var errs []error
	for _, k := range kinds {
		switch {
		case k.Name == "" || k.New == nil:
			errs = append(errs, fmt.Errorf("kind %q: a name and New are required", k.Name))
		case r.kinds[k.Name].Name != "":
			errs = append(errs, fmt.Errorf("kind %q: registered twice", k.Name))
		default:
			r.kinds[k.Name] = k
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("connectors: registry: %w", err)
	}
	return r, nil
}

// Kinds returns the kinds by name.
func (r *Registry) Kinds() []Kind {
	out := make([]Kind, 0, len(r.kinds))
	for _, k := range r.kinds {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b Kind) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Build validates cfg and builds its Source and Mapping. Every problem is
// reported together.
func (r *Registry) Build(cfg Config, logger *slog.Logger) (Source, *Mapping, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	errs := []error{cfg.Validate()}
	var src Source
	if k, ok := r.kinds[cfg.Kind]; ok {
		s, err := k.New(&cfg.Config, Env{Name: cfg.Name, Logger: logger.With("connector", cfg.Name), Mux: r.mux})
		errs = append(errs, err)
		src = s
	} else if cfg.Kind != "" {
		errs = append(errs, fmt.Errorf("kind: %q is not a known kind", cfg.Kind))
	}
	var m *Mapping
	if ev, err := cfg.Event(); err == nil {
		m, err = CompileMapping(cfg.Mapping, ev)
		if err != nil && cfg.Mapping.Validate() == nil { // else already reported
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, fmt.Errorf("connectors: %s: %w", cfg.Name, err)
	}
	return src, m, nil
}

// KindOf makes the Kind of a connector whose configuration is C: New
// decodes the YAML strictly into a C and calls build with it, and Config
// documents C.
func KindOf[C any, S Source](name, summary string, build func(cfg C, logger *slog.Logger) (S, error)) Kind {
	return KindOfEnv(name, summary, func(cfg C, env Env) (S, error) { return build(cfg, env.Logger) })
}

// KindOfEnv is KindOf for a kind whose Source needs more of its Env than
// the logger (webhook: the HTTP mux).
func KindOfEnv[C any, S Source](name, summary string, build func(cfg C, env Env) (S, error)) Kind {
	return Kind{
		Name:    name,
		Summary: summary,
		Config:  func() any { return new(C) },
		New: func(node *yaml.Node, env Env) (Source, error) {
			var cfg C
			if err := DecodeStrict(node, &cfg); err != nil {
				return nil, fmt.Errorf("config: %w", err)
			}
			s, err := build(cfg, env)
			if err != nil {
				return nil, err // not a typed nil in the interface
			}
			return s, nil
		},
	}
}
