package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/services"
	"gopkg.in/yaml.v3"
)

// composeFile is the part of docker-compose.yml the checks read.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       *composeBuild     `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	Ports  []string `yaml:"ports"`
	Deploy *struct {
		Replicas *int `yaml:"replicas"`
	} `yaml:"deploy"`
}

// replicas is how many containers the service runs: deploy.replicas, or 1.
func (s composeService) replicas() int {
	if s.Deploy != nil && s.Deploy.Replicas != nil {
		return *s.Deploy.Replicas
	}
	return 1
}

// replicated are the consumers that run two replicas in one consumer group
// (issue 9): a stopped replica's partitions go to the other.
var replicated = []string{"opendata", "automation"}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

func parseCompose(data []byte) (composeFile, error) {
	var c composeFile
	err := yaml.Unmarshal(data, &c)
	return c, err
}

// checkCompose says what keeps c from being the distributed shape of
// civicbus with the services called names.
func checkCompose(c composeFile, names []string) error {
	errs := []error{checkKafka(c.Services["kafka"]), checkPostgres(c.Services["postgres"])}
	ran := map[string][]string{} // service name -> its containers, in order
	count := map[string]int{}    // service name -> replicas
	containers := slices.Sorted(maps.Keys(c.Services))
	for _, container := range containers {
		s := c.Services[container]
		if s.Build == nil {
			continue
		}
		name, err := checkServiceContainer(container, s, names)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// Replicas run the same command, so they are one consumer group
		// with one state; another command for the same service is a
		// mistake.
		if others := ran[name]; len(others) > 0 && !slices.Equal(c.Services[others[0]].Command, s.Command) {
			errs = append(errs, fmt.Errorf("containers %s and %s both serve %s, with different commands: replicas run the same one", others[0], container, name))
		}
		ran[name] = append(ran[name], container)
		count[name] += s.replicas()
	}
	for _, name := range names {
		if len(ran[name]) == 0 {
			errs = append(errs, fmt.Errorf("service %s has no container (add one: see the comment in docker-compose.yml)", name))
		}
	}
	for _, name := range replicated {
		if slices.Contains(names, name) && len(ran[name]) > 0 && count[name] < 2 {
			errs = append(errs, fmt.Errorf("service %s runs %d replica, want 2 in one consumer group (a second block merging the first)", name, count[name]))
		}
	}
	errs = append(errs, checkHostPorts(c))
	return errors.Join(errs...)
}

// checkHostPorts finds host ports that two containers publish, and a fixed
// host port on a service of several deploy.replicas: one of them could not
// start.
func checkHostPorts(c composeFile) error {
	var errs []error
	owner := map[string]string{}
	for _, container := range slices.Sorted(maps.Keys(c.Services)) {
		s := c.Services[container]
		for _, p := range s.Ports {
			host := p[:strings.LastIndex(p, ":")] // 127.0.0.1:8083 of 127.0.0.1:8083:8080
			if other, ok := owner[host]; ok {
				errs = append(errs, fmt.Errorf("containers %s and %s both publish %s", other, container, host))
			}
			owner[host] = container
			if s.replicas() > 1 && !strings.Contains(host, "-") {
				errs = append(errs, fmt.Errorf("%s: %d replicas cannot all publish host port %s", container, s.replicas(), host))
			}
		}
	}
	return errors.Join(errs...)
}

func checkKafka(k composeService) error {
	var errs []error
	if !strings.HasPrefix(k.Image, "apache/kafka:") {
		errs = append(errs, fmt.Errorf("kafka: image %q is not apache/kafka", k.Image))
	}
	env := k.Environment
	if roles := env["KAFKA_PROCESS_ROLES"]; !strings.Contains(roles, "broker") || !strings.Contains(roles, "controller") {
		errs = append(errs, fmt.Errorf("kafka: KAFKA_PROCESS_ROLES %q is not broker,controller (KRaft)", roles))
	}
	for _, key := range []string{"KAFKA_NODE_ID", "KAFKA_CONTROLLER_QUORUM_VOTERS", "KAFKA_CONTROLLER_LISTENER_NAMES", "CLUSTER_ID"} {
		if env[key] == "" {
			errs = append(errs, fmt.Errorf("kafka: %s is not set", key))
		}
	}
	if _, zk := env["KAFKA_ZOOKEEPER_CONNECT"]; zk {
		errs = append(errs, errors.New("kafka: KAFKA_ZOOKEEPER_CONNECT: KRaft mode has no ZooKeeper"))
	}
	if !strings.Contains(env["KAFKA_ADVERTISED_LISTENERS"], "//kafka:9092") {
		errs = append(errs, errors.New("kafka: the containers' listener kafka:9092 is not advertised"))
	}
	return errors.Join(errs...)
}

func checkPostgres(p composeService) error {
	var errs []error
	if !strings.HasPrefix(p.Image, "postgres:") {
		errs = append(errs, fmt.Errorf("postgres: image %q is not postgres", p.Image))
	}
	if p.Healthcheck == nil || !slices.Contains(p.Healthcheck.Test, "pg_isready") {
		errs = append(errs, errors.New("postgres: no pg_isready healthcheck"))
	}
	if len(p.Volumes) == 0 {
		errs = append(errs, errors.New("postgres: no volume for its data"))
	}
	return errors.Join(errs...)
}

// checkServiceContainer checks a container built from the Dockerfile and
// returns the service it serves.
func checkServiceContainer(container string, s composeService, names []string) (string, error) {
	if s.Build.Context != "." || (s.Build.Dockerfile != "" && s.Build.Dockerfile != "Dockerfile") {
		return "", fmt.Errorf("%s: not built from the project's Dockerfile: %+v", container, *s.Build)
	}
	if len(s.Command) < 2 || s.Command[0] != "serve" {
		return "", fmt.Errorf("%s: command %q is not serve <service>", container, s.Command)
	}
	name := s.Command[1]
	if !slices.Contains(names, name) {
		return "", fmt.Errorf("%s: serves %q, which is not in services.All() %q", container, name, names)
	}
	i := slices.Index(s.Command, "--brokers")
	if i < 0 || i+1 >= len(s.Command) || s.Command[i+1] != "kafka:9092" {
		return "", fmt.Errorf("%s: command %q lacks --brokers kafka:9092", container, s.Command)
	}
	if s.Healthcheck == nil || !strings.Contains(strings.Join(s.Healthcheck.Test, " "), "/healthz") {
		return "", fmt.Errorf("%s: no healthcheck against /healthz", container)
	}
	return name, nil
}

func TestDockerComposeRunsEveryService(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := parseCompose(data)
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	if err := checkCompose(c, services.Names()); err != nil {
		t.Error(err)
	}
}

// TestComposeDeployReplicas checks deploy.replicas, the other way to run
// two replicas: counted, and refused on a fixed host port.
func TestComposeDeployReplicas(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(data), "  opendata-2:\n    <<: *opendata\n    ports: []\n", "", 1)
	doc = strings.Replace(doc, "  opendata: &opendata\n", "  opendata: &opendata\n    deploy:\n      replicas: 2\n", 1)
	c, err := parseCompose([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	err = checkCompose(c, services.Names())
	if err == nil || !strings.Contains(err.Error(), "opendata: 2 replicas cannot all publish host port 127.0.0.1:8083") ||
		strings.Contains(err.Error(), "runs 1 replica") {
		t.Errorf("err = %v, want only the fixed host port refused", err)
	}
	doc = strings.Replace(doc, `"127.0.0.1:8083:8080"`, `"127.0.0.1:8090-8091:8080"`, 1)
	if c, err = parseCompose([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	if err := checkCompose(c, services.Names()); err != nil {
		t.Errorf("two deploy.replicas on a host port range: %v", err)
	}
}

// TestComposeSettingsAreDocumented checks that every CIVICBUS_ variable
// docker-compose.yml sets or shows (the TLS and SASL ones are in a
// comment) is in the README, and that the compose file shows every Kafka
// security setting.
func TestComposeSettingsAreDocumented(t *testing.T) {
	t.Parallel()
	compose, err := os.ReadFile(filepath.Join("..", "..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	vars := regexp.MustCompile(`CIVICBUS_[A-Z0-9_]+[A-Z0-9]`).FindAllString(string(compose), -1)
	slices.Sort(vars)
	for _, v := range slices.Compact(vars) {
		if !strings.Contains(string(readme), v) {
			t.Errorf("docker-compose.yml uses %s, which README.md does not document", v)
		}
	}
	for _, f := range securityFlags {
		if !slices.Contains(vars, envName(f)) {
			t.Errorf("docker-compose.yml does not show %s (--%s)", envName(f), f)
		}
	}
}

func TestDockerfileBuildsCivicbus(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{"FROM golang:1.26 AS build", "CGO_ENABLED=0", "./cmd/civicbus", "USER nonroot", `ENTRYPOINT ["/civicbus"]`} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// TestComposeChecksCatchMistakes runs the checks on docker-compose.yml with
// the example service of its comment added, as the comment tells a developer
// to, against registries that do and do not match.
func TestComposeChecksCatchMistakes(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	withExample := addCommentedExample(t, string(data))
	for _, tc := range []struct {
		name  string
		doc   string
		names []string
		want  string // "" when the checks pass
	}{
		{"example added and registered", withExample, append(services.Names(), "opendata"), ""},
		{"registered service without container", withExample, append(services.Names(), "opendata", "unlisted"), "service unlisted has no container"},
		{"container for an unregistered service", withExample, nil, `serves "opendata", which is not in services.All()`},
		{"zookeeper mode", strings.Replace(string(data), "KAFKA_PROCESS_ROLES: broker,controller", "KAFKA_ZOOKEEPER_CONNECT: zk:2181", 1), nil, "KAFKA_PROCESS_ROLES"},
		{"no postgres", strings.Replace(string(data), "\n  postgres:\n", "\n  postgresql:\n", 1), nil, "postgres: image"},
		{"one opendata replica", strings.Replace(string(data), "  opendata-2:\n    <<: *opendata\n", "  opendata-2:\n    <<: *civicbus-service\n    command: [serve, registry, --brokers, kafka:9092]\n", 1),
			services.Names(), "service opendata runs 1 replica"},
		{"a replica with another command", strings.Replace(string(data), "  automation-2:\n    <<: *automation\n", "  automation-2:\n    <<: *automation\n    command: [serve, automation, --brokers, kafka:9092, --db, other.db]\n", 1),
			services.Names(), "containers automation and automation-2 both serve automation, with different commands"},
		{"two containers on one host port", strings.Replace(string(data), "  opendata-2:\n    <<: *opendata\n    ports: []\n", "  opendata-2:\n    <<: *opendata\n", 1),
			services.Names(), "containers opendata and opendata-2 both publish 127.0.0.1:8083"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseCompose([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			err = checkCompose(c, tc.names)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// addCommentedExample uncomments the example service block of the compose
// file's comment and adds it to the services.
func addCommentedExample(t *testing.T, doc string) string {
	t.Helper()
	var block []string
	in := false
	for line := range strings.Lines(doc) {
		if strings.HasPrefix(line, "  # opendata:") {
			in = true
		}
		if in && strings.TrimSpace(line) == "#" {
			break
		}
		if in {
			block = append(block, "  "+strings.TrimPrefix(line, "  # "))
		}
	}
	if len(block) == 0 {
		t.Fatal("docker-compose.yml has no commented example service")
	}
	return strings.Replace(doc, "\nvolumes:\n", "\n"+strings.Join(block, "")+"\nvolumes:\n", 1)
}
