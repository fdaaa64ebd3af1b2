// Package services is the registry of civicbus's services: the long-running
// parts (opendata, portal, automation, casework, connectors) that meet on
// Kafka topics and never call each other.
//
// `civicbus run` runs every service in All in one process; `civicbus serve
// <name>` runs one of them alone. Registration is the explicit list in All:
// importing a package registers nothing.
package services

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/services/admin"
	"github.com/vasteras/civicbus/services/automation"
	"github.com/vasteras/civicbus/services/casework"
	"github.com/vasteras/civicbus/services/connect"
	"github.com/vasteras/civicbus/services/opendata"
	"github.com/vasteras/civicbus/services/portal"
	"github.com/vasteras/civicbus/services/registry"
)

// Service is one service of civicbus.
type Service struct {
	// Name is what `civicbus serve <name>` takes and what the service's
	// container is called in docker-compose.yml: lower case, no spaces.
	Name string

	// Description is one line for `civicbus help`.
	Description string

	// Run runs the service until ctx is cancelled, then stops it and returns
	// nil; it returns an error only when the service cannot go on. It mounts
	// its HTTP handlers on env.Mux when it starts, under its own prefix (see
	// the Path constants), and registers its metrics on env.Metrics.
	Run func(ctx context.Context, env Env) error
}

// Env is what a service is given to run with. The process owns every part of
// it: a service neither closes the connection's clients it did not make nor
// serves HTTP itself.
type Env struct {
	// Conn reaches the Kafka cluster, the embedded broker or a real one.
	Conn bus.Connection

	// Logger is the process's logger, already labelled with the service name.
	Logger *slog.Logger

	// Metrics is where the service registers its collectors; they appear at
	// the process's /metrics with a service label.
	Metrics prometheus.Registerer

	// Mux is the process's HTTP mux, served on its one HTTP address next to
	// /healthz, /readyz and /metrics. Mount under your own prefix only.
	Mux *http.ServeMux

	// HTTP is the address Mux is served on (host:port), for a service that
	// calls another's API in the same process.
	HTTP string

	// DB is the SQL data source: a SQLite file path, or a postgres:// URL.
	DB string

	// Getenv reads the service's settings (CIVICBUS_CONNECTORS_DIR and the
	// others each runX names); nil is os.Getenv. `civicbus run` lays the
	// demo's settings over the environment through it.
	Getenv func(string) string
}

// getenv is env.Getenv, or os.Getenv when none is set.
func (env Env) getenv(key string) string {
	if env.Getenv == nil {
		return os.Getenv(key)
	}
	return env.Getenv(key)
}

// The HTTP prefixes of the faces that later services mount on Env.Mux. The
// process itself serves /healthz, /readyz and /metrics.
const (
	PathPortal     = "/"               // the open-data portal: catalog, downloads
	PathAPI        = "/api/"           // the JSON APIs, CKAN-style and others
	PathRegistry   = "/registry/"      // the schema registry
	PathCasework   = "/casework/"      // the caseworker's inbox
	PathAdmin      = "/admin/"         // the system owners' face
	PathConnectors = "/api/connectors" // the connectors' status, JSON
	PathOpendata   = "/api/opendata/"  // the open-data service: datasets, versions, previews
	PathHealthz    = "/healthz"        // process alive
	PathReadyz     = "/readyz"         // the Kafka cluster answers
	PathMetrics    = "/metrics"        // Prometheus
)

// All returns every service, in the order `civicbus run` starts them. Each
// one added here needs its container in docker-compose.yml (a test checks).
//
// A service's package does not import this one (this one imports it, to
// list it): it exports a Run with a Config of its own, and its entry here
// fills that Config from Env.
func All() []Service {
	return []Service{
		{
			Name:        "registry",
			Description: "the schema registry: every event contract, its versions and compatibility, under " + PathRegistry,
			Run:         runRegistry,
		},
		{
			Name:        "connectors",
			Description: "the connectors of " + connect.EnvDir + " (default " + connect.DefaultDir + "): outside systems onto the bus; status under " + PathConnectors,
			Run:         runConnectors,
		},
		{
			Name:        "opendata",
			Description: "the open datasets of " + opendata.EnvDir + " (default " + opendata.DefaultDir + "): events to anonymised versions; API under " + PathOpendata,
			Run:         runOpendata,
		},
		{
			Name:        "automation",
			Description: "rules of " + automation.EnvRulesDir + " (default " + automation.DefaultRulesDir + ") complete routine case steps with decision records; the routine model raises care alarms",
			Run:         runAutomation,
		},
		{
			Name:        "portal",
			Description: "the open-data portal at " + PathPortal + ": catalog, downloads, CKAN API under /api/3/action/, DCAT at /catalog.rdf; harvests the versions the opendata service announces",
			Run:         runPortal,
		},
		{
			Name:        "casework",
			Description: "the caseworkers' inbox at " + PathCasework + ": cases, automated steps with their decision records, override, audit; users from " + casework.EnvUsers,
			Run:         runCasework,
		},
		{
			Name:        "admin",
			Description: "the system owners' face at " + PathAdmin + ": connectors, topics and their rates, dead letters with replay, schemas, datasets, the pipeline; sign-in with " + admin.EnvToken,
			Run:         runAdmin,
		},
	}
}

// runAdmin runs the system owners' face. It reads the connectors' status,
// the schema registry and the open-data API from this process (civicbus
// run), or from the addresses CIVICBUS_ADMIN_CONNECTORS_URL,
// CIVICBUS_ADMIN_REGISTRY_URL and CIVICBUS_ADMIN_DATASETS_URL give (one
// container per service); the connector files from CIVICBUS_CONNECTORS_DIR.
// Its token is CIVICBUS_ADMIN_TOKEN or the file CIVICBUS_ADMIN_TOKEN_FILE
// names; without one it answers 403.
func runAdmin(ctx context.Context, env Env) error {
	self := ""
	if env.HTTP != "" {
		self = "http://" + loopback(env.HTTP)
	}
	orSelf := func(name, path string) string {
		if v := env.getenv(name); v != "" || self == "" {
			return v
		}
		return self + path
	}
	dir := env.getenv(connect.EnvDir)
	if dir == "" {
		dir = connect.DefaultDir
	}
	return admin.Run(ctx, admin.Config{
		Conn:          env.Conn,
		Mux:           env.Mux,
		Prefix:        PathAdmin,
		ConnectorsURL: orSelf("CIVICBUS_ADMIN_CONNECTORS_URL", PathConnectors),
		RegistryURL:   orSelf("CIVICBUS_ADMIN_REGISTRY_URL", PathRegistry),
		DatasetsURL:   orSelf("CIVICBUS_ADMIN_DATASETS_URL", PathOpendata+"datasets"),
		ConnectorsDir: dir,
		Token:         env.getenv(admin.EnvToken),
		TokenFile:     env.getenv(admin.EnvTokenFile),
		SecureCookies: strings.HasPrefix(env.getenv("CIVICBUS_BASE_URL"), "https://"),
		Logger:        env.Logger,
	})
}

// runCasework runs the casework service with its inbox in Env.DB, the
// local users of the file CIVICBUS_CASEWORK_USERS names and, when
// CIVICBUS_CASEWORK_OIDC_ISSUER is set, sign-in with that OpenID Connect
// provider (casework.OIDCFromEnv), naming case types and steps by the
// titles of the rules directory CIVICBUS_RULES_DIR names (as the
// automation reads it). With neither it serves nothing (no
// built-in users) and waits for the process to end; its session cookie is
// Secure when CIVICBUS_BASE_URL is https.
func runCasework(ctx context.Context, env Env) error {
	oidc, err := casework.OIDCFromEnv(env.getenv)
	if err != nil {
		return err
	}
	path := env.getenv(casework.EnvUsers)
	if path == "" && oidc == nil {
		env.Logger.Warn("casework: no users file and no OpenID provider, the inbox is not served", "env", casework.EnvUsers)
		<-ctx.Done()
		return nil
	}
	var users casework.Users
	if path != "" {
		if users, err = casework.LoadUsers(path); err != nil {
			return err
		}
	}
	rulesDir := env.getenv(automation.EnvRulesDir)
	if rulesDir == "" {
		rulesDir = automation.DefaultRulesDir
	}
	caseTypes, err := casework.LoadCaseTypes(rulesDir)
	if err != nil { // the pages show case types' and steps' ids
		env.Logger.Warn("casework: case types not read, ids shown instead of titles", "err", err)
	}
	return casework.Run(ctx, casework.Config{
		Conn:          env.Conn,
		DB:            env.DB,
		Users:         users,
		CaseTypes:     caseTypes,
		OIDC:          oidc,
		Mux:           env.Mux,
		Prefix:        PathCasework,
		SecureCookies: strings.HasPrefix(env.getenv("CIVICBUS_BASE_URL"), "https://"),
		Logger:        env.Logger,
		Metrics:       env.Metrics,
	})
}

// runAutomation runs the automation service on the case types and rules of
// the directory CIVICBUS_RULES_DIR names (its model-settings give the snow
// areas), with its state in Env.DB, the resident-routine model on
// care.sensor-activation.v1 and the meal-order proposals.
func runAutomation(ctx context.Context, env Env) error {
	return automation.Run(ctx, automation.Config{
		RulesDir: env.getenv(automation.EnvRulesDir),
		Conn:     env.Conn,
		DB:       env.DB,
		Routine:  true,
		Forecast: true,
		Meals:    true,
		Logger:   env.Logger,
		Metrics:  env.Metrics,
	})
}

// runPortal runs the open-data portal with its store in Env.DB. It fetches
// each announced version from the open-data API that CIVICBUS_OPENDATA_API
// names, by default the one this process serves (civicbus run); its public
// root, for the DCAT catalog and examples, is CIVICBUS_BASE_URL.
func runPortal(ctx context.Context, env Env) error {
	api := env.getenv(portal.EnvOpendataAPI)
	if api == "" && env.HTTP != "" {
		api = "http://" + loopback(env.HTTP) + PathOpendata
	}
	opts, err := portalAPI(env)
	if err != nil {
		return err
	}
	return portal.Run(ctx, portal.Config{
		API:         opts,
		Conn:        env.Conn,
		DB:          env.DB,
		Mux:         env.Mux,
		OpendataAPI: api,
		BaseURL:     publicURL(env),
		Logger:      env.Logger,
		Metrics:     env.Metrics,
	})
}

// portalAPI reads the portal's API settings from env.Getenv:
// CIVICBUS_PORTAL_RATE (requests a second per client, default 20) and
// CIVICBUS_PORTAL_BURST; CIVICBUS_PORTAL_CURSOR_KEY_FILE (a secret, so that
// cursors survive a restart and are the same on every replica);
// CIVICBUS_TRUSTED_PROXIES (comma-separated CIDRs whose X-Forwarded-For is
// believed, e.g. the load balancer's network).
func portalAPI(env Env) (portal.APIOptions, error) {
	var o portal.APIOptions
	if v := env.getenv("CIVICBUS_PORTAL_RATE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return o, fmt.Errorf("portal: CIVICBUS_PORTAL_RATE: not a number")
		}
		o.Rate = f
	}
	if v := env.getenv("CIVICBUS_PORTAL_BURST"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return o, fmt.Errorf("portal: CIVICBUS_PORTAL_BURST: not a number")
		}
		o.Burst = n
	}
	if f := env.getenv("CIVICBUS_PORTAL_CURSOR_KEY_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return o, fmt.Errorf("portal: the cursor key file %s cannot be read", f)
		}
		o.CursorKey = bytes.TrimSpace(b)
	}
	for p := range strings.SplitSeq(env.getenv("CIVICBUS_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			return o, fmt.Errorf("portal: CIVICBUS_TRUSTED_PROXIES: %q is not a CIDR", p)
		}
		o.TrustedProxies = append(o.TrustedProxies, pfx)
	}
	return o, nil
}

// publicURL is the portal's public root: CIVICBUS_BASE_URL, or this
// process's own HTTP address.
func publicURL(env Env) string {
	if u := env.getenv("CIVICBUS_BASE_URL"); u != "" {
		return u
	}
	if env.HTTP == "" {
		return ""
	}
	return "http://" + loopback(env.HTTP)
}

// loopback turns a listening address on every interface (":8080",
// "0.0.0.0:8080", "[::]:8080") into one a client in the same process can
// dial.
func loopback(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// runOpendata runs the open-data service on the dataset definitions of the
// directory CIVICBUS_DATASETS_DIR names, with its state in Env.DB. The
// pseudonymisation secret is read from the file CIVICBUS_PSEUDONYM_KEY_FILE
// names (without one, datasets that pseudonymise refuse to publish); the
// token that publishing over HTTP needs from CIVICBUS_OPENDATA_TOKEN.
func runOpendata(ctx context.Context, env Env) error {
	var key []byte
	if f := env.getenv(opendata.EnvKeyFile); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("opendata: the pseudonymisation key file %s cannot be read", f)
		}
		key = bytes.TrimSpace(b)
	}
	return opendata.Run(ctx, opendata.Config{
		Dir:        env.getenv(opendata.EnvDir),
		Conn:       env.Conn,
		DB:         env.DB,
		Mux:        env.Mux,
		Prefix:     PathOpendata,
		BaseURL:    publicURL(env),
		Key:        key,
		AdminToken: env.getenv("CIVICBUS_OPENDATA_TOKEN"),
		Logger:     env.Logger,
		Metrics:    env.Metrics,
	})
}

// runConnectors runs the connector files of the directory that
// CIVICBUS_CONNECTORS_DIR names, with their checkpoints in Env.DB.
func runConnectors(ctx context.Context, env Env) error {
	return connect.Run(ctx, connect.Config{
		Dir:    env.getenv(connect.EnvDir),
		Conn:   env.Conn,
		DB:     env.DB,
		Mux:    env.Mux,
		Path:   PathConnectors,
		Logger: env.Logger,
	})
}

// runRegistry runs the schema registry. Its admin token, which writes need,
// comes from the settings (env.Getenv): CIVICBUS_REGISTRY_TOKEN, or the file
// named by CIVICBUS_REGISTRY_TOKEN_FILE (a mounted secret).
func runRegistry(ctx context.Context, env Env) error {
	return registry.Run(ctx, registry.Config{
		DB:             env.DB,
		Mux:            env.Mux,
		Prefix:         PathRegistry,
		Logger:         env.Logger,
		AdminToken:     env.getenv(registry.EnvToken),
		AdminTokenFile: env.getenv(registry.EnvTokenFile),
	})
}

// Lookup returns the service called name.
func Lookup(name string) (Service, bool) {
	i := slices.IndexFunc(All(), func(s Service) bool { return s.Name == name })
	if i < 0 {
		return Service{}, false
	}
	return All()[i], true
}

// Names returns the names of all services, in order.
func Names() []string {
	var names []string
	for _, s := range All() {
		names = append(names, s.Name)
	}
	return names
}
