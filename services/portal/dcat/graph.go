package dcat

import (
	"slices"
	"strings"
)

// The one graph model every serialisation writes: named nodes (no blank
// nodes, by construction) with their classes and properties in insertion
// order. Predicates and classes are always terms of the namespaces table,
// so every serialisation can abbreviate them.

// term is an object: an IRI, or a literal with a language tag or a datatype
// (neither: a plain xsd:string).
type term struct {
	iri      string
	lit      string
	lang     string
	datatype string
}

func iri(s string) term                { return term{iri: s} }
func lit(s string) term                { return term{lit: s} }
func langLit(s, lang string) term      { return term{lit: s, lang: lang} }
func typedLit(s, datatype string) term { return term{lit: s, datatype: datatype} }

// isIRI reports whether t is an IRI (a literal otherwise).
func (t term) isIRI() bool { return t.iri != "" }

// property is one predicate and object of a node.
type property struct {
	pred string
	obj  term
}

// node is a subject with its classes and properties.
type node struct {
	iri   string
	types []string
	props []property
}

// add appends a property unless the node has it already (RDF is a set).
func (n *node) add(pred string, obj term) {
	for _, p := range n.props {
		if p.pred == pred && p.obj == obj {
			return
		}
	}
	n.props = append(n.props, property{pred, obj})
}

// addText adds a Swedish and an English literal, each when not empty.
func (n *node) addText(pred string, t Text) {
	if t.SV != "" {
		n.add(pred, langLit(t.SV, "sv"))
	}
	if t.EN != "" {
		n.add(pred, langLit(t.EN, "en"))
	}
}

// graph is the catalog's nodes in the order they were first named.
type graph struct {
	nodes []*node
	byIRI map[string]*node
}

func newGraph() *graph { return &graph{byIRI: map[string]*node{}} }

// node returns the node named iri, made on first use, with the classes
// added that it has not yet.
func (g *graph) node(iri string, types ...string) *node {
	n, ok := g.byIRI[iri]
	if !ok {
		n = &node{iri: iri}
		g.byIRI[iri] = n
		g.nodes = append(g.nodes, n)
	}
	for _, t := range types {
		if !slices.Contains(n.types, t) {
			n.types = append(n.types, t)
		}
	}
	return n
}

// prefixedName is "prefix:local" for a predicate, class or datatype; they
// are all constants of the namespaces table, so another IRI is a
// programming error.
func prefixedName(s string) string {
	for _, ns := range namespaces {
		if local, ok := strings.CutPrefix(s, ns.iri); ok && local != "" {
			return ns.prefix + ":" + local
		}
	}
	panic("dcat: no namespace for " + s)
}
