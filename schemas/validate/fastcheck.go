package validate

import (
	"unicode/utf8"
)

// maxFastDepth bounds the fast path's recursion, which a $ref cycle that
// consumes no input would otherwise make endless; past it the answer is
// unsure and v6, which detects such cycles, decides.
const maxFastDepth = 512

// maxFastUnique is the longest array whose uniqueness the fast path checks
// pairwise; longer ones are left to v6, which hashes.
const maxFastUnique = 64

// check tells whether v is valid under n, with depth the recursion so far.
// Any answer but valid sends the payload to v6.
func (n *fastNode) check(v any, depth int) verdict {
	if depth > maxFastDepth {
		return unsure
	}
	if n.boolean != nil {
		if *n.boolean {
			return valid
		}
		return invalid
	}
	t := typeOf(v)
	if t == 0 {
		return unsure
	}
	if r := n.checkGeneral(v, t, depth); r != valid {
		return r
	}
	var r verdict
	switch t {
	case tObject:
		r = n.checkObject(v.(map[string]any), depth)
	case tArray:
		r = n.checkArray(v.([]any), depth)
	case tString:
		r = n.checkString(v.(string))
	case tNumber:
		if n.hasNumberLimits() {
			r = n.checkNumberAny(v)
		}
	}
	if r != valid {
		return r
	}
	return n.checkApplicators(v, depth)
}

func (n *fastNode) checkGeneral(v any, t typeMask, depth int) verdict {
	if n.types != 0 && n.types&t == 0 {
		if n.types&tInteger == 0 || t != tNumber {
			return invalid
		}
		if r := isIntegerText(numText(v)); r != valid {
			return r
		}
	}
	if n.consts != nil {
		if r := equal(v, *n.consts); r != valid {
			return r
		}
	}
	if n.enum != nil {
		if r := n.inEnum(v); r != valid {
			return r
		}
	}
	if n.format != nil && !n.formatOK(v) {
		return invalid
	}
	if n.ref != nil {
		return n.ref.check(v, depth+1)
	}
	return valid
}

// formatOK asks the fast format check first, and v6's when that says no: a
// fast check accepts only what v6 accepts but may reject more, and answers
// must be exact, since under "not" an invalid turns into a valid.
func (n *fastNode) formatOK(v any) bool {
	if s, ok := v.(string); ok && n.strFormat != nil && n.strFormat(s) {
		return true
	}
	return n.format(v) == nil
}

func (n *fastNode) inEnum(v any) verdict {
	if s, ok := v.(string); ok && n.strEnum != nil {
		if _, ok := n.strEnum[s]; ok {
			return valid
		}
		return invalid
	}
	res := invalid
	for _, want := range n.enum {
		switch equal(v, want) {
		case valid:
			return valid
		case unsure:
			res = unsure
		}
	}
	return res
}

func (n *fastNode) checkApplicators(v any, depth int) verdict {
	for _, sub := range n.allOf {
		if r := sub.check(v, depth+1); r != valid {
			return r
		}
	}
	if len(n.anyOf) > 0 {
		if r := n.anyOfCheck(v, depth); r != valid {
			return r
		}
	}
	if len(n.oneOf) > 0 {
		if r := n.oneOfCheck(v, depth); r != valid {
			return r
		}
	}
	if n.not != nil {
		switch n.not.check(v, depth+1) {
		case valid:
			return invalid
		case unsure:
			return unsure
		}
	}
	if n.ifN != nil {
		return n.ifThenElse(v, depth)
	}
	return valid
}

func (n *fastNode) anyOfCheck(v any, depth int) verdict {
	res := invalid
	for _, sub := range n.anyOf {
		switch sub.check(v, depth+1) {
		case valid:
			return valid
		case unsure:
			res = unsure
		}
	}
	return res
}

func (n *fastNode) oneOfCheck(v any, depth int) verdict {
	matched := 0
	for _, sub := range n.oneOf {
		switch sub.check(v, depth+1) {
		case valid:
			matched++
		case unsure:
			return unsure
		}
	}
	if matched == 1 {
		return valid
	}
	return invalid
}

func (n *fastNode) ifThenElse(v any, depth int) verdict {
	switch n.ifN.check(v, depth+1) {
	case valid:
		if n.thenN != nil {
			return n.thenN.check(v, depth+1)
		}
	case invalid:
		if n.elseN != nil {
			return n.elseN.check(v, depth+1)
		}
	default:
		return unsure
	}
	return valid
}

func (n *fastNode) checkObject(obj map[string]any, depth int) verdict {
	if (n.minProps != nil && len(obj) < *n.minProps) || (n.maxProps != nil && len(obj) > *n.maxProps) {
		return invalid
	}
	for _, name := range n.required {
		if _, ok := obj[name]; !ok {
			return invalid
		}
	}
	for name, val := range obj {
		if r := n.checkProperty(name, val, depth); r != valid {
			return r
		}
	}
	for name, reqs := range n.dependentRequired {
		if _, ok := obj[name]; ok {
			for _, req := range reqs {
				if _, ok := obj[req]; !ok {
					return invalid
				}
			}
		}
	}
	for name, sub := range n.dependentSchemas {
		if _, ok := obj[name]; ok {
			if r := sub.check(obj, depth+1); r != valid {
				return r
			}
		}
	}
	return valid
}

func (n *fastNode) checkProperty(name string, val any, depth int) verdict {
	evaluated := false
	if sub, ok := n.props[name]; ok {
		evaluated = true
		if r := sub.check(val, depth+1); r != valid {
			return r
		}
	}
	for _, pp := range n.patternProps {
		if pp.re.MatchString(name) {
			evaluated = true
			if r := pp.node.check(val, depth+1); r != valid {
				return r
			}
		}
	}
	if !evaluated {
		if n.addlFalse {
			return invalid
		}
		if n.addl != nil {
			if r := n.addl.check(val, depth+1); r != valid {
				return r
			}
		}
	}
	if n.propertyNames != nil {
		return n.propertyNames.check(name, depth+1)
	}
	return valid
}

func (n *fastNode) checkArray(arr []any, depth int) verdict {
	if (n.minItems != nil && len(arr) < *n.minItems) || (n.maxItems != nil && len(arr) > *n.maxItems) {
		return invalid
	}
	if n.uniqueItems && len(arr) > 1 {
		if r := unique(arr); r != valid {
			return r
		}
	}
	prefix := min(len(n.prefixItems), len(arr))
	for i := range prefix {
		if r := n.prefixItems[i].check(arr[i], depth+1); r != valid {
			return r
		}
	}
	if n.items != nil {
		for _, item := range arr[prefix:] {
			if r := n.items.check(item, depth+1); r != valid {
				return r
			}
		}
	}
	if n.contains != nil {
		return n.containsCheck(arr, depth)
	}
	return valid
}

func (n *fastNode) containsCheck(arr []any, depth int) verdict {
	matched := 0
	for _, item := range arr {
		switch n.contains.check(item, depth+1) {
		case valid:
			matched++
		case unsure:
			return unsure
		}
	}
	if n.minContains != nil {
		if matched < *n.minContains {
			return invalid
		}
	} else if matched == 0 {
		return invalid
	}
	if n.maxContains != nil && matched > *n.maxContains {
		return invalid
	}
	return valid
}

func unique(arr []any) verdict {
	if len(arr) > maxFastUnique {
		return unsure
	}
	for i := range arr {
		for j := i + 1; j < len(arr); j++ {
			switch equal(arr[i], arr[j]) {
			case valid:
				return invalid
			case unsure:
				return unsure
			}
		}
	}
	return valid
}

func (n *fastNode) checkString(s string) verdict {
	if n.minLength != nil || n.maxLength != nil {
		l := utf8.RuneCountInString(s)
		if (n.minLength != nil && l < *n.minLength) || (n.maxLength != nil && l > *n.maxLength) {
			return invalid
		}
	}
	if n.pattern != nil && !n.pattern.MatchString(s) {
		return invalid
	}
	return valid
}
