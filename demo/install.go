package demo

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Options say how the installed definitions are rendered.
type Options struct {
	// MQTT is the URL of the MQTT broker the sensor connector reads
	// (tcp://host:port), the embedded one's; empty leaves the sensor
	// connector out (no broker runs).
	MQTT string
}

// Site is an installed demo: where its parts are.
type Site struct {
	Dir              string // the installed demo, absolute
	ConnectorsDir    string // Dir/connectors.d
	DatasetsDir      string // Dir/datasets.d
	RulesDir         string // Dir/rules.d; it may not exist (no rules)
	UsersFile        string // Dir/casework-users.yaml (demo-only passwords, see SignIns)
	AdminTokenFile   string // Dir/admin-token: the admin face's token, made on first start
	AdminToken       string // its content
	PseudonymKeyFile string // Dir/pseudonym.key: the open-data pseudonymisation secret
	DropDir          string // Dir/drop: one folder per file-drop connector

	// Notes say what Install did not do as the binary has it, one a line:
	// a file kept because it was edited, one left out because it was
	// deleted, the sensor connector left out without MQTT.
	Notes []string
	// Fresh is true when this Install wrote the demo for the first time.
	Fresh bool
}

// manifestName is the file, in Dir, of the hashes of the files as Install
// last wrote them: a file whose hash still matches is Install's to refresh;
// one that differs was edited and is kept; one that is gone was deleted and
// stays deleted.
const manifestName = ".installed.json"

// dropLine is a file-drop connector's dir: line, relative to the
// repository root as the YAML files have it.
var dropLine = regexp.MustCompile(`(?m)^(\s*)dir:\s*demo/(drop/[^\s#]+).*$`)

// mqttLine is the sensor connector's broker: line.
var mqttLine = regexp.MustCompile(`(?m)^(\s*)broker:\s*tcp://127\.0\.0\.1:1883\b.*$`)

// Install writes the demo into dir (created if needed) and returns where its
// parts are. On the first start it writes every file, makes the drop folders
// and seeds them with the licensed data, and makes the admin token and the
// pseudonymisation key. On a later start it never overwrites an edited file
// nor brings back a deleted one; a file it wrote and nobody touched is
// refreshed (the MQTT address may have moved), a file new in the binary is
// added, and drop folders that exist are left alone (filedrop has moved
// their files to processed/).
func Install(dir string, o Options) (*Site, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	s := &Site{
		Dir:              dir,
		ConnectorsDir:    filepath.Join(dir, "connectors.d"),
		DatasetsDir:      filepath.Join(dir, "datasets.d"),
		RulesDir:         filepath.Join(dir, "rules.d"),
		UsersFile:        filepath.Join(dir, "casework-users.yaml"),
		AdminTokenFile:   filepath.Join(dir, "admin-token"),
		PseudonymKeyFile: filepath.Join(dir, "pseudonym.key"),
		DropDir:          filepath.Join(dir, "drop"),
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	man, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	s.Fresh = len(man) == 0
	drops, err := s.writeDefinitions(o, man)
	if err != nil {
		return nil, err
	}
	if err := writeManifest(dir, man); err != nil {
		return nil, err
	}
	if err := s.makeDrops(drops); err != nil {
		return nil, err
	}
	if s.AdminToken, err = secret(s.AdminTokenFile, 16); err != nil {
		return nil, err
	}
	if _, err := secret(s.PseudonymKeyFile, 32); err != nil {
		return nil, err
	}
	return s, nil
}

// writeDefinitions writes every embedded definition that is Install's to
// write, updating man, and returns the drop folders the connectors read.
func (s *Site) writeDefinitions(o Options, man map[string]string) (drops []string, err error) {
	err = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (strings.HasPrefix(name, "data/") && name != "data/SOURCES.md") {
			return err
		}
		b, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		target := name
		if name == "data/SOURCES.md" {
			target = "SOURCES.md" // the attribution of the seeded files
		}
		if path.Dir(name) == "connectors.d" {
			for _, m := range dropLine.FindAllSubmatch(b, -1) {
				drops = append(drops, string(m[2]))
			}
			b = s.render(b, o)
			if b == nil {
				s.Notes = append(s.Notes, "no MQTT broker runs, so the sensor connector "+name+" is left out")
				return nil
			}
		}
		return s.writeFile(target, b, man)
	})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	slices.Sort(drops)
	return slices.Compact(drops), nil
}

// render points a connector file's drop folder at Dir/drop and its MQTT
// broker at o.MQTT; nil means the file is left out.
func (s *Site) render(b []byte, o Options) []byte {
	b = dropLine.ReplaceAllFunc(b, func(line []byte) []byte {
		m := dropLine.FindSubmatch(line)
		abs := filepath.Join(s.Dir, filepath.FromSlash(string(m[2])))
		return fmt.Appendf(nil, "%sdir: %s   # written by civicbus run's demo", m[1], strconv.Quote(abs))
	})
	if mqttLine.Match(b) {
		if o.MQTT == "" {
			return nil
		}
		b = mqttLine.ReplaceAll(b, []byte("${1}broker: "+o.MQTT+"   # the embedded MQTT broker of civicbus run"))
	}
	return b
}

// writeFile writes b to name under Dir unless the file there was edited or
// deleted since Install wrote it.
func (s *Site) writeFile(name string, b []byte, man map[string]string) error {
	p := filepath.Join(s.Dir, filepath.FromSlash(name))
	want := hash(b)
	old, err := os.ReadFile(p)
	switch {
	case errors.Is(err, fs.ErrNotExist) && man[name] != "":
		s.Notes = append(s.Notes, name+" was deleted; it stays deleted")
		return nil
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case hash(old) == want:
		man[name] = want
		return nil
	case hash(old) != man[name]:
		s.Notes = append(s.Notes, name+" was edited; kept as it is")
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return err
	}
	man[name] = want
	return nil
}

// makeDrops creates the drop folders that do not exist and seeds those
// that have data.
func (s *Site) makeDrops(drops []string) error {
	for _, d := range drops {
		p := filepath.Join(s.Dir, filepath.FromSlash(d))
		if _, err := os.Stat(p); err == nil {
			continue
		}
		if err := os.MkdirAll(p, 0o755); err != nil {
			return fmt.Errorf("demo: drop folder: %w", err)
		}
		for _, name := range seeds[d] {
			b, err := files.ReadFile(name)
			if err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			// Written under a temporary name and renamed, so that filedrop
			// never reads half a file.
			tmp := filepath.Join(p, "."+path.Base(name)+".part")
			if err := os.WriteFile(tmp, b, 0o644); err != nil {
				return fmt.Errorf("demo: seed %s: %w", d, err)
			}
			if err := os.Rename(tmp, filepath.Join(p, path.Base(name))); err != nil {
				return fmt.Errorf("demo: seed %s: %w", d, err)
			}
		}
	}
	return nil
}

// secret returns the content of the file p, first making it (mode 0600)
// with n random bytes in hex when it does not exist.
func secret(p string, n int) (string, error) {
	b, err := os.ReadFile(p)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("demo: %w", err)
	}
	v := hex.EncodeToString(randomBytes(n))
	if err := os.WriteFile(p, []byte(v+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	return v, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return b
}

func hash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func readManifest(dir string) (map[string]string, error) {
	man := map[string]string{}
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return man, nil
	}
	if err == nil {
		err = json.Unmarshal(b, &man)
	}
	if err != nil {
		return nil, fmt.Errorf("demo: %s: %w", manifestName, err)
	}
	return man, nil
}

func writeManifest(dir string, man map[string]string) error {
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, manifestName+".part")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, manifestName))
}
