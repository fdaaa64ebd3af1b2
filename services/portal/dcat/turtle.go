package dcat

import (
	"bufio"
	"io"
	"strings"
)

// WriteTurtle writes the catalog as Turtle: one subject block per node,
// IRIs in full inside <>, predicates and classes as prefixed names. It
// validates the catalog first and writes nothing when it is invalid.
func WriteTurtle(w io.Writer, c Catalog) error {
	if err := c.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	for _, ns := range namespaces {
		bw.WriteString("@prefix " + ns.prefix + ": <" + ns.iri + "> .\n")
	}
	for _, n := range build(c).nodes {
		bw.WriteString("\n<" + n.iri + ">")
		sep := "\n    "
		if len(n.types) > 0 {
			bw.WriteString(sep + "a ")
			for i, t := range n.types {
				if i > 0 {
					bw.WriteString(", ")
				}
				bw.WriteString(prefixedName(t))
			}
			sep = " ;\n    "
		}
		for _, p := range n.props {
			bw.WriteString(sep + prefixedName(p.pred) + " " + turtleTerm(p.obj))
			sep = " ;\n    "
		}
		bw.WriteString(" .\n")
	}
	return bw.Flush()
}

// turtleTerm writes an object; IRIs were checked to need no escaping.
func turtleTerm(t term) string {
	switch {
	case t.isIRI():
		return "<" + t.iri + ">"
	case t.lang != "":
		return turtleString(t.lit) + "@" + t.lang
	case t.datatype != "":
		return turtleString(t.lit) + "^^" + prefixedName(t.datatype)
	}
	return turtleString(t.lit)
}

// turtleString quotes a literal as a Turtle STRING_LITERAL_QUOTE.
func turtleString(s string) string {
	return "\"" + turtleEscaper.Replace(s) + "\""
}

var turtleEscaper = strings.NewReplacer("\\", "\\\\", "\"", "\\\"", "\n", "\\n", "\r", "\\r", "\t", "\\t")
