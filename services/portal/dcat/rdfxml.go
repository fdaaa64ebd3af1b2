package dcat

import (
	"bufio"
	"io"
	"strings"
)

// WriteRDFXML writes the catalog as RDF/XML, the one format dataportal.se
// harvests: one top-level element per node, typed by its first class,
// every reference an rdf:resource attribute (no nesting, no rdf:nodeID).
// It validates the catalog first and writes nothing when it is invalid.
func WriteRDFXML(w io.Writer, c Catalog) error {
	if err := c.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rdf:RDF")
	for _, ns := range namespaces {
		bw.WriteString("\n    xmlns:" + ns.prefix + "=\"" + xmlAttr(ns.iri) + "\"")
	}
	bw.WriteString(">\n")
	for _, n := range build(c).nodes {
		writeXMLNode(bw, n)
	}
	bw.WriteString("</rdf:RDF>\n")
	return bw.Flush()
}

func writeXMLNode(w *bufio.Writer, n *node) {
	elem, extra := "rdf:Description", n.types
	if len(n.types) > 0 {
		elem, extra = prefixedName(n.types[0]), n.types[1:]
	}
	if len(extra) == 0 && len(n.props) == 0 {
		w.WriteString("  <" + elem + " rdf:about=\"" + xmlAttr(n.iri) + "\"/>\n")
		return
	}
	w.WriteString("  <" + elem + " rdf:about=\"" + xmlAttr(n.iri) + "\">\n")
	for _, t := range extra {
		w.WriteString("    <rdf:type rdf:resource=\"" + xmlAttr(t) + "\"/>\n")
	}
	for _, p := range n.props {
		name := prefixedName(p.pred)
		switch o := p.obj; {
		case o.isIRI():
			w.WriteString("    <" + name + " rdf:resource=\"" + xmlAttr(o.iri) + "\"/>\n")
		case o.lang != "":
			w.WriteString("    <" + name + " xml:lang=\"" + o.lang + "\">" + xmlText(o.lit) + "</" + name + ">\n")
		case o.datatype != "":
			w.WriteString("    <" + name + " rdf:datatype=\"" + xmlAttr(o.datatype) + "\">" + xmlText(o.lit) + "</" + name + ">\n")
		default:
			w.WriteString("    <" + name + ">" + xmlText(o.lit) + "</" + name + ">\n")
		}
	}
	w.WriteString("  </" + elem + ">\n")
}

// xmlText escapes character data; a carriage return is escaped so that XML
// line-end normalisation keeps it.
var xmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#13;").Replace

// xmlAttr escapes an attribute value; whitespace is escaped so that
// attribute-value normalisation keeps it.
var xmlAttr = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;",
	"\t", "&#9;", "\n", "&#10;", "\r", "&#13;").Replace
