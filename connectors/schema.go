package connectors

import (
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
)

// configDoc is Config as its JSON Schema describes it; the kind's own
// config goes under config.
type configDoc struct {
	Name    string        `json:"name" jsonschema:"pattern=^[a-z0-9][a-z0-9-]*$,description=Names the connector: its checkpoint\\, logs\\, dlq_handler and ce_source /civicbus/connectors/<name>."`
	Kind    string        `json:"kind" jsonschema:"description=The connector kind."`
	Topic   string        `json:"topic" jsonschema:"description=The catalog topic the events go to\\, e.g. meals.food-waste.v1."`
	Mapping MappingConfig `json:"mapping" jsonschema:"description=How a record becomes the event."`
}

// ConfigSchema returns the JSON Schema of a connector YAML of the kind, for
// editors and docs: Config's fields, with the kind's config under config.
func (r *Registry) ConfigSchema(kind string) ([]byte, error) {
	k, ok := r.kinds[kind]
	if !ok {
		return nil, fmt.Errorf("connectors: %q is not a known kind", kind)
	}
	ref := &jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true}
	s := ref.Reflect(&configDoc{})
	s.Title = k.Name + " connector"
	s.Description = k.Summary
	if p, ok := s.Properties.Get("kind"); ok {
		p.Const = k.Name
	}
	if k.Config != nil {
		ks := ref.Reflect(k.Config())
		ks.Version, ks.ID = "", ""
		s.Properties.Set("config", ks)
		s.Required = append(s.Required, "config")
	}
	return json.MarshalIndent(s, "", "  ")
}
