package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/vasteras/civicbus/demo"
	"github.com/vasteras/civicbus/services"
	"github.com/vasteras/civicbus/services/admin"
	"github.com/vasteras/civicbus/services/automation"
	"github.com/vasteras/civicbus/services/casework"
	"github.com/vasteras/civicbus/services/connect"
	"github.com/vasteras/civicbus/services/opendata"
	"github.com/vasteras/civicbus/services/registry"
)

// demoDirs are the settings of the definitions; when one is given, or its
// default directory exists in the working directory, run does not start the
// demo: it runs what it was given.
var demoDirs = []struct{ env, dir string }{
	{connect.EnvDir, connect.DefaultDir},
	{opendata.EnvDir, opendata.DefaultDir},
	{automation.EnvRulesDir, automation.DefaultRulesDir},
}

// demoSubdir is where, in the data dir, the demo is written out.
const demoSubdir = "demo"

// wantDemo tells whether run starts the demo and, when it does not, why.
func (c *cli) wantDemo(cfg runConfig, f *cmdFlags) (on bool, why string) {
	if !cfg.Demo {
		if src := f.given("demo"); src != "" {
			return false, "off (" + src + ")"
		}
		return false, "off"
	}
	for _, d := range demoDirs {
		if c.getenv(d.env) != "" {
			return false, "off: " + d.env + " is set"
		}
		if _, err := os.Stat(d.dir); err == nil {
			return false, "off: ./" + d.dir + " exists"
		}
	}
	return true, ""
}

// startDemo writes the demo out under <data>/demo (see demo.Install), adds
// its rows to the banner and returns the settings the services read: the
// environment with the demo's directories, users, admin token (also the
// schema registry's) and pseudonymisation key laid over it. What the
// environment sets itself, other than the directories, wins.
func (c *cli) startDemo(cfg runConfig, mqttURL string, b *banner) (getenv func(string) string, site *demo.Site, err error) {
	site, err = demo.Install(filepath.Join(cfg.Data, demoSubdir), demo.Options{MQTT: mqttURL})
	if err != nil {
		return nil, nil, err
	}
	for _, n := range site.Notes {
		c.logger.Info("demo: " + n)
	}
	over := map[string]string{
		connect.EnvDir:         site.ConnectorsDir,
		opendata.EnvDir:        site.DatasetsDir,
		automation.EnvRulesDir: site.RulesDir,
	}
	if _, err := os.Stat(site.RulesDir); errors.Is(err, fs.ErrNotExist) {
		c.logger.Info("demo: no rules in this build; automation runs its models only", "dir", site.RulesDir)
	}
	unlessSet := func(env, value string) bool {
		if c.getenv(env) != "" {
			return false
		}
		over[env] = value
		return true
	}
	users := unlessSet(casework.EnvUsers, site.UsersFile)
	token := c.getenv(admin.EnvToken) == "" && unlessSet(admin.EnvTokenFile, site.AdminTokenFile)
	if c.getenv(registry.EnvToken) == "" { // the same token writes to the schema registry
		unlessSet(registry.EnvTokenFile, site.AdminTokenFile)
	}
	unlessSet(opendata.EnvKeyFile, site.PseudonymKeyFile)

	verb := "reused"
	if site.Fresh {
		verb = "written"
	}
	b.add("demo", "the Västerås demo, "+verb+" in "+site.Dir+" (--demo=false turns it off)")
	b.add("drop folders", site.DropDir+string(filepath.Separator)+"<source>/ (CSV files dropped there are read)")
	if users {
		for _, u := range demo.SignIns {
			b.add("demo sign-in", fmt.Sprintf("%s / %s (%s%s; demo only)", u.Username, u.Password, u.Role, unitList(u.Units)))
		}
	}
	if token {
		b.add("admin token", site.AdminToken+" (demo: the admin face's sign-in and schema-registry writes; in "+site.AdminTokenFile+")")
	}
	base := c.getenv
	return func(k string) string {
		if v, ok := over[k]; ok {
			return v
		}
		return base(k)
	}, site, nil
}

func unitList(units []string) string {
	if len(units) == 0 {
		return ", every unit"
	}
	return ": " + strings.Join(units, ", ")
}

// withGetenv returns svcs with every service reading its settings through
// getenv.
func withGetenv(svcs []services.Service, getenv func(string) string) []services.Service {
	out := make([]services.Service, len(svcs))
	for i, s := range svcs {
		run := s.Run
		s.Run = func(ctx context.Context, env services.Env) error {
			env.Getenv = getenv
			return run(ctx, env)
		}
		out[i] = s
	}
	return out
}

// addFaces adds the rows of the web faces of a server listening on addr.
func (b *banner) addFaces(addr net.Addr) {
	base := "http://" + displayAddr(addr)
	b.add("portal", base+services.PathPortal)
	b.add("casework", base+services.PathCasework)
	b.add("admin", base+services.PathAdmin)
}
