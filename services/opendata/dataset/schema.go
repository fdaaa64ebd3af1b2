package dataset

import (
	"encoding/json"

	"github.com/invopop/jsonschema"
)

// Schema is the JSON Schema of a dataset definition file, for editors
// (yaml-language-server) and docs. It is generated from Definition.
func Schema() ([]byte, error) {
	r := &jsonschema.Reflector{FieldNameTag: "yaml", RequiredFromJSONSchemaTags: false, DoNotReference: true}
	s := r.Reflect(&Definition{})
	s.Title = "civicbus dataset definition"
	s.Description = "An open dataset: its DCAT-AP-SE metadata, the events it is made from, the shape of its rows and its anonymisation policy."
	return json.MarshalIndent(s, "", "  ")
}
