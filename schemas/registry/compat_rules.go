package registry

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"strings"
)

// typeSet is a set of JSON Schema types.
type typeSet uint8

const (
	tNull typeSet = 1 << iota
	tBoolean
	tInteger
	tNumber
	tString
	tArray
	tObject
	tAll = tNull | tBoolean | tInteger | tNumber | tString | tArray | tObject
)

var typeOrder = []struct {
	name string
	bit  typeSet
}{{"null", tNull}, {"boolean", tBoolean}, {"integer", tInteger}, {"number", tNumber}, {"string", tString}, {"array", tArray}, {"object", tObject}}

func typesOf(m map[string]any) (typeSet, bool) {
	var set typeSet
	switch t := m["type"].(type) {
	case string:
		return typeBit(t), true
	case []any:
		for _, name := range t {
			if s, ok := name.(string); ok {
				set |= typeBit(s)
			}
		}
		return set, true
	}
	return tAll, false
}

func typeBit(name string) typeSet {
	for _, t := range typeOrder {
		if t.name == name {
			return t.bit
		}
	}
	return 0
}

func typeNames(set typeSet) string {
	var names []string
	for _, t := range typeOrder {
		if set&t.bit != 0 {
			names = append(names, t.name)
		}
	}
	return strings.Join(names, " or ")
}

// types reports writer types the reader does not read, and returns the
// types both share, whose keywords are compared next. A reader of numbers
// reads integers; a writer of numbers writes integers too.
func (c *checker) types(wm, rm map[string]any, path string) typeSet {
	wt, wExplicit := typesOf(wm)
	rt, rExplicit := typesOf(rm)
	read := wt & rt
	if rt&tNumber != 0 {
		read |= wt & tInteger
	}
	common := read
	if wt&tNumber != 0 && rt&tInteger != 0 {
		common |= tInteger
	}
	lost := wt &^ read
	if lost == 0 {
		return common
	}
	single := func(s typeSet) bool { return s != 0 && s&(s-1) == 0 }
	switch {
	case wExplicit && rExplicit && single(wt) && single(rt):
		older, newer := c.oldNew(typeNames(wt), typeNames(rt))
		c.report(path, "type of %s changed from %s to %s", show(path), older, newer)
	case c.dir == DirBackward:
		c.report(path, "%s no longer accepts %s", show(path), typeNames(lost))
	default:
		c.report(path, "%s now also accepts %s", show(path), typeNames(lost))
	}
	return common
}

func enumOf(m map[string]any) ([]any, bool) {
	if v, ok := m["const"]; ok {
		return []any{v}, true
	}
	e, ok := m["enum"].([]any)
	return e, ok
}

// enums reports values the writer may write that the reader's enum or const
// does not list.
func (c *checker) enums(wm, rm map[string]any, path string) {
	re, ok := enumOf(rm)
	if !ok {
		return
	}
	we, ok := enumOf(wm)
	if !ok {
		if c.dir == DirBackward {
			c.report(path, "%s is now limited to %s", show(path), valueList(re))
		} else {
			c.report(path, "%s is no longer limited to %s", show(path), valueList(re))
		}
		return
	}
	_, wConst := wm["const"]
	_, rConst := rm["const"]
	if wConst && rConst {
		if valueKey(we[0]) != valueKey(re[0]) {
			older, newer := c.oldNew(we[0], re[0])
			c.report(path, "const of %s changed from %s to %s", show(path), showValue(older), showValue(newer))
		}
		return
	}
	allowed := make(map[string]bool, len(re))
	for _, v := range re {
		allowed[valueKey(v)] = true
	}
	for _, v := range we {
		if allowed[valueKey(v)] {
			continue
		}
		if c.dir == DirBackward {
			c.report(path, "enum value %s removed from %s", showValue(v), show(path))
		} else {
			c.report(path, "enum value %s added to %s", showValue(v), show(path))
		}
	}
}

// changed reports a keyword whose every change may break readers (pattern,
// format): the reader has it, and the writer has not, or another value.
func (c *checker) changed(wm, rm map[string]any, path, kw string) {
	rv, ok := rm[kw]
	if !ok {
		return
	}
	wv, wHas := wm[kw]
	if wHas && reflect.DeepEqual(wv, rv) {
		return
	}
	older, newer := c.oldNew(wv, rv)
	switch {
	case !wHas && c.dir == DirBackward:
		c.report(path, "%s %s added to %s", kw, showValue(rv), show(path))
	case !wHas:
		c.report(path, "%s %s removed from %s", kw, showValue(rv), show(path))
	default:
		c.report(path, "%s of %s changed from %s to %s", kw, show(path), showValue(older), showValue(newer))
	}
}

// bound is a numeric limit from one or two keywords.
type bound struct {
	value *big.Rat
	text  string
	kw    string
	excl  bool
	ok    bool
}

func boundOf(m map[string]any, kw, exclKw string, lower bool) bound {
	b := number(m, kw)
	if e := number(m, exclKw); e.ok {
		e.excl = true
		if !b.ok || (lower && e.value.Cmp(b.value) >= 0) || (!lower && e.value.Cmp(b.value) <= 0) {
			b = e
		}
	}
	return b
}

func number(m map[string]any, kw string) bound {
	n, ok := m[kw].(json.Number)
	if !ok {
		return bound{}
	}
	r, ok := new(big.Rat).SetString(string(n))
	return bound{value: r, text: string(n), kw: kw, ok: ok}
}

// limit reports a reader limit stricter than the writer's.
func (c *checker) limit(path string, w, r bound, lower bool) {
	if !r.ok {
		return
	}
	if w.ok {
		cmp := r.value.Cmp(w.value)
		if !lower {
			cmp = -cmp
		}
		if cmp < 0 || (cmp == 0 && (w.excl || !r.excl)) {
			return
		}
	}
	o, n := c.oldNew(w, r)
	older, newer := o.(bound), n.(bound)
	switch {
	case !older.ok:
		c.report(path, "%s %s added to %s", newer.kw, newer.text, show(path))
	case !newer.ok:
		c.report(path, "%s %s removed from %s", older.kw, older.text, show(path))
	case older.kw == newer.kw:
		verb := "raised"
		if newer.value.Cmp(older.value) < 0 {
			verb = "lowered"
		}
		c.report(path, "%s of %s %s from %s to %s", newer.kw, show(path), verb, older.text, newer.text)
	default:
		side := map[bool]string{true: "lower", false: "upper"}[lower]
		c.report(path, "%s bound of %s changed from %s to %s", side, show(path), older.relation(lower), newer.relation(lower))
	}
}

func (b bound) relation(lower bool) string {
	op := map[[2]bool]string{{true, false}: ">=", {true, true}: ">", {false, false}: "<=", {false, true}: "<"}[[2]bool{lower, b.excl}]
	return op + " " + b.text
}

func (c *checker) numbers(wm, rm map[string]any, path string) {
	c.limit(path, boundOf(wm, "minimum", "exclusiveMinimum", true), boundOf(rm, "minimum", "exclusiveMinimum", true), true)
	c.limit(path, boundOf(wm, "maximum", "exclusiveMaximum", false), boundOf(rm, "maximum", "exclusiveMaximum", false), false)
	r := number(rm, "multipleOf")
	if !r.ok {
		return
	}
	if w := number(wm, "multipleOf"); w.ok && new(big.Rat).Quo(w.value, r.value).IsInt() {
		return
	}
	c.changed(wm, rm, path, "multipleOf")
}

func (c *checker) strings(wm, rm map[string]any, path string) {
	c.limit(path, number(wm, "minLength"), number(rm, "minLength"), true)
	c.limit(path, number(wm, "maxLength"), number(rm, "maxLength"), false)
	c.changed(wm, rm, path, "pattern")
}

func showValue(v any) string {
	if s, ok := v.(string); ok {
		return "`" + s + "`"
	}
	b, _ := json.Marshal(v)
	return "`" + string(b) + "`"
}

func valueList(values []any) string {
	parts := make([]string, 0, len(values))
	for i, v := range values {
		if i == 10 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, showValue(v))
	}
	return strings.Join(parts, ", ")
}

// valueKey is a key equal for equal JSON values; numbers compare by value.
func valueKey(v any) string {
	if n, ok := v.(json.Number); ok {
		if r, ok := new(big.Rat).SetString(string(n)); ok {
			return "n:" + r.RatString()
		}
	}
	b, _ := json.Marshal(v)
	return fmt.Sprintf("%T:%s", v, b)
}
