package registry

import (
	"maps"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// maxRefHops bounds a chain of $refs that lead to $refs.
const maxRefHops = 32

// annotations are keywords that never change what a schema accepts.
var annotations = map[string]bool{
	"$schema": true, "$id": true, "$anchor": true, "$comment": true, "$defs": true, "definitions": true,
	"$vocabulary": true, "title": true, "description": true, "examples": true, "default": true,
	"deprecated": true, "readOnly": true, "writeOnly": true, "contentMediaType": true, "contentEncoding": true,
}

func isAnnotation(kw string) bool { return annotations[kw] || strings.HasPrefix(kw, "x-") }

// deref follows node's $ref within root. A $ref with validating siblings
// becomes the target with the siblings added; a sibling that the target
// also has, with another value, is reported, as is a $ref that leads outside
// the document.
func (c *checker) deref(root, node any, path string) (any, bool) {
	for range maxRefHops {
		m, ok := node.(map[string]any)
		if !ok {
			return node, true
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return node, true
		}
		target, ok := resolve(root, ref)
		if !ok {
			c.report(path, "%s refers to %s, which is not a part of the same schema; such references are not checked", show(path), "`"+ref+"`")
			return nil, false
		}
		siblings := validating(m)
		delete(siblings, "$ref")
		if len(siblings) == 0 {
			node = target
			continue
		}
		merged, conflict := mergeInto(target, siblings)
		if conflict != "" {
			c.report(path, "%s has both a $ref and its own %s; such schemas are not checked", show(path), "`"+conflict+"`")
			return nil, false
		}
		node = merged
	}
	if m, ok := node.(map[string]any); ok && m["$ref"] != nil {
		c.report(path, "%s is a chain of more than %d $refs", show(path), maxRefHops)
		return nil, false
	}
	return node, true
}

// validating returns the validating keywords of m.
func validating(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if !isAnnotation(k) {
			out[k] = v
		}
	}
	return out
}

// mergeInto adds the siblings of a $ref to its target, and names a keyword
// both have with different values.
func mergeInto(target any, siblings map[string]any) (any, string) {
	t, ok := target.(map[string]any)
	if !ok {
		if b, _ := target.(bool); b {
			return siblings, ""
		}
		return target, "" // false stays false
	}
	merged := maps.Clone(t)
	for k, v := range siblings {
		if old, ok := merged[k]; ok && !reflect.DeepEqual(old, v) {
			return nil, k
		}
		merged[k] = v
	}
	return merged, ""
}

// resolve finds a same-document reference ("#" or "#/json/pointer").
func resolve(root any, ref string) (any, bool) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false
	}
	frag, err := url.PathUnescape(frag)
	if err != nil {
		return nil, false
	}
	if frag == "" {
		return root, true
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, false // an anchor
	}
	node := root
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch n := node.(type) {
		case map[string]any:
			if node, ok = n[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return nil, false
			}
			node = n[i]
		default:
			return nil, false
		}
	}
	return node, true
}

// sameWithRefs reports whether a keyword's value is the same in the writer
// and the reader, including what each $ref inside it points to.
func (c *checker) sameWithRefs(w, r any) bool {
	if !reflect.DeepEqual(w, r) {
		return false
	}
	seen := map[string]bool{}
	var refs []string
	collectRefs(r, &refs)
	for len(refs) > 0 {
		ref := refs[len(refs)-1]
		refs = refs[:len(refs)-1]
		if seen[ref] {
			continue
		}
		seen[ref] = true
		if c.steps++; c.steps > maxSteps {
			return false
		}
		wt, okW := resolve(c.writer, ref)
		rt, okR := resolve(c.reader, ref)
		if okW != okR || !reflect.DeepEqual(wt, rt) {
			return false
		}
		collectRefs(rt, &refs)
	}
	return true
}

func collectRefs(v any, into *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" {
				*into = append(*into, s)
			}
			collectRefs(x, into)
		}
	case []any:
		for _, x := range v {
			collectRefs(x, into)
		}
	}
}

// withAllOf folds a writer schema's allOf into it, so that what the writer
// accepts is not overestimated. A keyword both have with different values
// keeps the schema's own: the writer is then taken to accept more, which can
// only report more breaks, never fewer.
func (c *checker) withAllOf(m map[string]any) map[string]any {
	all, ok := m["allOf"].([]any)
	if !ok {
		return m
	}
	merged := maps.Clone(m)
	delete(merged, "allOf")
	for _, sub := range all {
		sm, ok := sub.(map[string]any)
		for hops := 0; ok && hops < maxRefHops; hops++ {
			ref, isRef := sm["$ref"].(string)
			if !isRef {
				break
			}
			target, found := resolve(c.writer, ref)
			sm, ok = target.(map[string]any)
			ok = ok && found
		}
		if !ok {
			continue
		}
		for k, v := range validating(sm) {
			if old, ok := merged[k]; ok && !reflect.DeepEqual(old, v) {
				continue
			}
			merged[k] = v
		}
	}
	return merged
}
