package validate

import (
	"errors"
	"net/url"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// newCompiler returns a compiler with the project's settings: draft 2020-12
// unless a schema says otherwise, format assertions on, and no loading of
// anything but the draft metaschemas and the resources added to it (v6's
// default loader would read local files named by a $ref).
func newCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(noLoader{})
	return c
}

// noLoader refuses to load any URL.
type noLoader struct{}

// errNoLoading is why a $ref to a schema that was not added fails.
var errNoLoading = errors.New("schemas are never loaded from outside; add the referenced schema first")

func (noLoader) Load(string) (any, error) { return nil, errNoLoading }

// schemaID returns the schema's "$id" without its fragment, or "".
func schemaID(doc any) string {
	obj, ok := doc.(map[string]any)
	if !ok {
		return ""
	}
	id, _ := obj["$id"].(string)
	id, _, _ = strings.Cut(id, "#")
	return id
}

// resourceURL is the absolute URL a schema is kept under inside the
// compiler: its own $id when that is an absolute URL, so that other schemas
// can $ref it by that URL, otherwise a civicbus:/// URL made from the id it
// was added under (hierarchical, so that relative $refs resolve against it
// and are refused, rather than resolving to the schema itself).
func resourceURL(id string, doc any) string {
	if own := schemaID(doc); isAbsURL(own) {
		return own
	}
	if isAbsURL(id) {
		u, _, _ := strings.Cut(id, "#")
		return u
	}
	return "civicbus:///" + url.PathEscape(id)
}

func isAbsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.IsAbs()
}
