package connectors

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vasteras/civicbus/schemas"
)

// Config is one connector's YAML file: what it reads (Kind and its Config),
// which event it makes (Topic) and how (Mapping).
//
//	name: vramlosa-waste
//	kind: filedrop
//	topic: meals.food-waste.v1
//	config: {dir: /srv/drop/waste, delimiter: ";"}
//	mapping:
//	  fields: {kitchen_id: "row.kitchen", total_waste_kg: "double(row.total)"}
type Config struct {
	// Name names the connector: its checkpoint, its logs, dlq_handler and
	// ce_source /civicbus/connectors/<name>.
	Name string `yaml:"name" json:"name" jsonschema:"pattern=^[a-z0-9][a-z0-9-]*$"`
	// Kind is the registered connector kind, e.g. filedrop.
	Kind string `yaml:"kind" json:"kind"`
	// Topic is the catalog topic the events go to, e.g. meals.food-waste.v1.
	Topic string `yaml:"topic" json:"topic"`
	// Config is the kind's own configuration, decoded by the kind.
	Config yaml.Node `yaml:"config" json:"config"`
	// Mapping turns a record into the event.
	Mapping MappingConfig `yaml:"mapping" json:"mapping"`
}

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// LoadConfig decodes one connector's YAML strictly: an unknown field is an
// error with its line. file names the source in errors. It does not Validate.
func LoadConfig(r io.Reader, file string) (Config, error) {
	var cfg Config
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, fmt.Errorf("connectors: %s: %w", file, err)
	}
	return cfg, nil
}

// ParseConfig is LoadConfig of a byte slice.
func ParseConfig(data []byte, file string) (Config, error) {
	return LoadConfig(bytes.NewReader(data), file)
}

// Validate reports every problem of the configuration that needs no kind.
func (c Config) Validate() error {
	var errs []error
	if !namePattern.MatchString(c.Name) {
		errs = append(errs, fmt.Errorf("name: %q must be lower-case letters, digits and hyphens", c.Name))
	}
	if c.Kind == "" {
		errs = append(errs, errors.New("kind: required"))
	}
	if _, err := c.Event(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.Mapping.Validate())
	return errors.Join(errs...)
}

// Event returns the catalog event of Topic.
func (c Config) Event() (schemas.Event, error) {
	if c.Topic == "" {
		return schemas.Event{}, errors.New("topic: required")
	}
	for _, e := range schemas.Events() {
		if e.Topic == c.Topic {
			return e, nil
		}
	}
	return schemas.Event{}, fmt.Errorf("topic: %q is not in the catalog", c.Topic)
}

// SourceURI is the ce_source of the connector's events.
func (c Config) SourceURI() string { return "/civicbus/connectors/" + c.Name }

// DecodeStrict decodes node into out, a pointer to a struct, and fails on
// every mapping key that names no field (by its yaml tag), with the key's
// line. An empty node leaves out as it is.
func DecodeStrict(node *yaml.Node, out any) error {
	if node == nil || node.Kind == 0 {
		return nil
	}
	if errs := unknownFields(node, reflect.TypeOf(out).Elem(), ""); len(errs) > 0 {
		return errors.Join(errs...)
	}
	return node.Decode(out)
}

func unknownFields(node *yaml.Node, t reflect.Type, path string) []error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if node.Kind == yaml.DocumentNode && len(node.Content) == 1 {
		node = node.Content[0]
	}
	if t.Kind() != reflect.Struct || node.Kind != yaml.MappingNode {
		return nil
	}
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		if name != "-" {
			fields[name] = f.Type
		}
	}
	var errs []error
	for i := 0; i+1 < len(node.Content); i += 2 {
		k := node.Content[i]
		ft, ok := fields[k.Value]
		if !ok {
			errs = append(errs, fmt.Errorf("line %d: field %s%s not found in %s", k.Line, path, k.Value, t.Name()))
			continue
		}
		errs = append(errs, unknownFields(node.Content[i+1], ft, path+k.Value+".")...)
	}
	return errs
}
