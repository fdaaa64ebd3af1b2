package dcat

import (
	"bufio"
	"encoding/json"
	"io"
)

// WriteJSONLD writes the catalog as JSON-LD: an inline @context of the
// namespace prefixes (so no remote context is fetched) and a flat @graph of
// node objects, each with its @id (no blank nodes). It validates the
// catalog first and writes nothing when it is invalid.
func WriteJSONLD(w io.Writer, c Catalog) error {
	if err := c.Validate(); err != nil {
		return err
	}
	ctx := map[string]string{}
	for _, ns := range namespaces {
		ctx[ns.prefix] = ns.iri
	}
	head, err := json.MarshalIndent(ctx, "  ", "  ")
	if err != nil {
		return err
	}
	// One node at a time, so that a large catalog is never one JSON value
	// in memory.
	bw := bufio.NewWriter(w)
	bw.WriteString("{\n  \"@context\": ")
	bw.Write(head)
	bw.WriteString(",\n  \"@graph\": [")
	for i, n := range build(c).nodes {
		b, err := json.MarshalIndent(jsonldNode(n), "    ", "  ")
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		bw.Write(b)
	}
	bw.WriteString("\n  ]\n}\n")
	return bw.Flush()
}

func jsonldNode(n *node) map[string]any {
	obj := map[string]any{"@id": n.iri}
	if len(n.types) > 0 {
		types := make([]string, len(n.types))
		for i, t := range n.types {
			types[i] = prefixedName(t)
		}
		obj["@type"] = types
	}
	for _, p := range n.props {
		key := prefixedName(p.pred)
		vals, _ := obj[key].([]map[string]string)
		obj[key] = append(vals, jsonldValue(p.obj))
	}
	return obj
}

func jsonldValue(t term) map[string]string {
	switch {
	case t.isIRI():
		return map[string]string{"@id": t.iri}
	case t.lang != "":
		return map[string]string{"@value": t.lit, "@language": t.lang}
	case t.datatype != "":
		return map[string]string{"@value": t.lit, "@type": t.datatype}
	}
	return map[string]string{"@value": t.lit}
}
