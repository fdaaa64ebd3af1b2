package registry

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func (c *checker) arrays(wm, rm map[string]any, path string) {
	c.limit(path, number(wm, "minItems"), number(rm, "minItems"), true)
	c.limit(path, number(wm, "maxItems"), number(rm, "maxItems"), false)
	if rm["uniqueItems"] == true && wm["uniqueItems"] != true {
		if c.dir == DirBackward {
			c.report(path, "items of %s must now be unique", show(path))
		} else {
			c.report(path, "items of %s no longer need to be unique", show(path))
		}
	}
	wp, _ := wm["prefixItems"].([]any)
	rp, _ := rm["prefixItems"].([]any)
	for i := range max(len(wp), len(rp)) {
		c.compare(itemAt(wm, wp, i), itemAt(rm, rp, i), path+"/prefixItems/"+strconv.Itoa(i))
	}
	c.compare(itemsOf(wm), itemsOf(rm), path+"/items")
}

func itemAt(m map[string]any, prefix []any, i int) any {
	if i < len(prefix) {
		return prefix[i]
	}
	return itemsOf(m)
}

func itemsOf(m map[string]any) any {
	if v, ok := m["items"]; ok {
		return v
	}
	return true
}

func (c *checker) objects(wm, rm map[string]any, path string) {
	c.limit(path, number(wm, "minProperties"), number(rm, "minProperties"), true)
	c.limit(path, number(wm, "maxProperties"), number(rm, "maxProperties"), false)
	wp, _ := wm["properties"].(map[string]any)
	rp, _ := rm["properties"].(map[string]any)
	wr, rr := requiredSet(wm), requiredSet(rm)
	all := keys(wp)
	maps.Copy(all, keys(rp))
	maps.Copy(all, rr)
	names := slices.Sorted(maps.Keys(all))
	for _, name := range names {
		ws, wHas := wp[name]
		rs, rHas := rp[name]
		if rr[name] && !wr[name] && !hasDefault(rs) {
			c.required(path, name, wHas)
		}
		at := path + "/properties/" + escape(name)
		switch {
		case wHas && rHas:
			c.compare(ws, rs, at)
		case wHas:
			c.undeclared(path, name, ws, rm)
		case rHas:
			// Under an open model the writer is taken not to send a
			// property it does not declare; unless it gives a schema for
			// the properties it does not declare.
			if wa, ok := wm["additionalProperties"].(map[string]any); ok {
				c.compare(wa, rs, at)
			}
		}
	}
	c.additional(wm, rm, path)
}

// required reports a property the reader requires and the writer may omit;
// wHas tells whether the writer declares it.
func (c *checker) required(path, name string, wHas bool) {
	field := fieldName(path, name)
	switch {
	case c.dir == DirBackward && wHas:
		c.report(path, "field %s became required", field)
	case c.dir == DirBackward:
		c.report(path, "required field %s added", field)
	case wHas:
		c.report(path, "field %s is no longer required", field)
	default:
		c.report(path, "required field %s removed", field)
	}
}

// undeclared handles a property the writer declares and the reader does
// not: the reader treats it as an additional property.
func (c *checker) undeclared(path, name string, ws any, rm map[string]any) {
	if pp, ok := rm["patternProperties"].(map[string]any); ok {
		for pattern, ps := range pp {
			if re, err := regexp.Compile(pattern); err == nil && re.MatchString(name) {
				c.compare(ws, ps, path+"/patternProperties/"+escape(pattern))
				return
			}
		}
	}
	switch a := rm["additionalProperties"].(type) {
	case bool:
		if a {
			return
		}
		if c.dir == DirBackward {
			c.report(path, "field %s removed while additionalProperties is false", fieldName(path, name))
		} else {
			c.report(path, "field %s added while additionalProperties is false", fieldName(path, name))
		}
	case map[string]any:
		c.compare(ws, a, path+"/additionalProperties")
	}
}

// additional compares the additionalProperties keywords themselves.
func (c *checker) additional(wm, rm map[string]any, path string) {
	ra, rHas := rm["additionalProperties"]
	if !rHas {
		return
	}
	wa, wHas := wm["additionalProperties"]
	if ra == false && wa != false {
		if c.dir == DirBackward {
			c.report(path, "additionalProperties of %s became false", show(path))
		} else {
			c.report(path, "additionalProperties of %s is no longer false", show(path))
		}
		return
	}
	if rs, ok := ra.(map[string]any); ok && wHas && wa != false {
		c.compare(wa, rs, path+"/additionalProperties")
	}
}

// uncheckedKeywords validate in ways the checker does not follow; any
// difference in them counts as a break.
var uncheckedKeywords = []string{
	"anyOf", "oneOf", "not", "if", "then", "else", "contains", "minContains", "maxContains",
	"patternProperties", "propertyNames", "dependentRequired", "dependentSchemas", "dependencies",
	"unevaluatedProperties", "unevaluatedItems", "additionalItems", "$dynamicRef", "$recursiveRef",
}

func (c *checker) unchecked(wm, rm map[string]any, path string) {
	for _, kw := range uncheckedKeywords {
		rv, ok := rm[kw]
		if !ok {
			continue
		}
		if wv, ok := wm[kw]; ok && c.sameWithRefs(wv, rv) {
			continue
		}
		c.report(path, "%s of %s changed; changes to %s are not checked in detail and count as breaking", kw, show(path), kw)
	}
}

func requiredSet(m map[string]any) map[string]bool {
	list, _ := m["required"].([]any)
	set := make(map[string]bool, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			set[s] = true
		}
	}
	return set
}

func keys(m map[string]any) map[string]bool {
	set := make(map[string]bool, len(m))
	for k := range m {
		set[k] = true
	}
	return set
}

func hasDefault(s any) bool {
	m, ok := s.(map[string]any)
	if !ok {
		return false
	}
	_, ok = m["default"]
	return ok
}

// fieldName names a property for a message: "`unit_id`" at the top level,
// "`lat` of `/properties/position`" below it.
func fieldName(path, name string) string {
	if path == "" {
		return "`" + name + "`"
	}
	return "`" + name + "` of `" + path + "`"
}

func escape(token string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(token)
}
