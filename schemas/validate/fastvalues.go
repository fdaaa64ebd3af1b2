package validate

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Numbers and equality on the fast path, decided as v6 decides them.

func (n *fastNode) hasNumberLimits() bool {
	return n.minimum != nil || n.maximum != nil || n.exclMinimum != nil || n.exclMaximum != nil || n.multipleOf != nil
}

func (n *fastNode) checkNumberAny(v any) verdict {
	text := numText(v)
	f, ok := parseFloat(text)
	if !ok {
		return unsure
	}
	return n.checkNumber(f, text)
}

// checkNumber applies the numeric limits to a number given both as the
// nearest float64 and as its exact decimal text.
func (n *fastNode) checkNumber(f float64, text string) verdict {
	if r := checkLimit(f, text, n.minimum, func(c int) bool { return c >= 0 }); r != valid {
		return r
	}
	if r := checkLimit(f, text, n.maximum, func(c int) bool { return c <= 0 }); r != valid {
		return r
	}
	if r := checkLimit(f, text, n.exclMinimum, func(c int) bool { return c > 0 }); r != valid {
		return r
	}
	if r := checkLimit(f, text, n.exclMaximum, func(c int) bool { return c < 0 }); r != valid {
		return r
	}
	if n.multipleOf != nil {
		r, ok := exactRat(text)
		if !ok {
			return unsure
		}
		if !new(big.Rat).Quo(r, n.multipleOf).IsInt() {
			return invalid
		}
	}
	return valid
}

// checkLimit compares a number with l: first as float64, which rounding
// cannot turn around (rounding is monotonic, so x < y implies f(x) <= f(y)),
// and exactly, as v6 does, when the two round to the same float64.
func checkLimit(f float64, text string, l *limit, ok func(cmp int) bool) verdict {
	if l == nil {
		return valid
	}
	var cmp int
	switch {
	case f < l.rounded:
		cmp = -1
	case f > l.rounded:
		cmp = 1
	default:
		r, exact := exactRat(text)
		if !exact {
			return unsure
		}
		cmp = r.Cmp(l.exact)
	}
	return boolVerdict(ok(cmp))
}

// numText is a number's decimal text as v6 reads it (fmt.Sprint).
func numText(v any) string {
	switch v := v.(type) {
	case json.Number:
		return string(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// exactRat is the number with the given text as v6 sees it.
func exactRat(text string) (*big.Rat, bool) {
	return new(big.Rat).SetString(text)
}

// parseFloat is the float64 nearest to text, ±Inf beyond the range.
func parseFloat(text string) (float64, bool) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// isIntegerText tells whether a number has no fraction, as v6 does.
func isIntegerText(text string) verdict {
	if !strings.ContainsAny(text, ".eE") {
		return valid
	}
	r, ok := exactRat(text)
	if !ok {
		return unsure
	}
	return boolVerdict(r.IsInt())
}

// typeOf is v's JSON type, or 0 for a value the fast path does not handle.
func typeOf(v any) typeMask {
	switch v := v.(type) {
	case nil:
		return tNull
	case bool:
		return tBoolean
	case string:
		return tString
	case json.Number:
		return tNumber
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0
		}
		return tNumber
	case []any:
		return tArray
	case map[string]any:
		return tObject
	}
	return 0
}

// equal compares two JSON values as v6 does: numbers by value.
func equal(a, b any) verdict {
	ta, tb := typeOf(a), typeOf(b)
	if ta == 0 || tb == 0 {
		return unsure
	}
	if ta != tb {
		return invalid
	}
	switch a := a.(type) {
	case nil:
		return valid
	case bool:
		return boolVerdict(a == b.(bool))
	case string:
		return boolVerdict(a == b.(string))
	case []any:
		return equalArrays(a, b.([]any))
	case map[string]any:
		return equalObjects(a, b.(map[string]any))
	}
	return equalNumbers(a, b)
}

func equalNumbers(a, b any) verdict {
	if na, ok := a.(json.Number); ok {
		if nb, ok := b.(json.Number); ok && na == nb {
			return valid
		}
	}
	ra, ok1 := exactRat(numText(a))
	rb, ok2 := exactRat(numText(b))
	if !ok1 || !ok2 {
		return unsure
	}
	return boolVerdict(ra.Cmp(rb) == 0)
}

func equalArrays(a, b []any) verdict {
	if len(a) != len(b) {
		return invalid
	}
	for i := range a {
		if r := equal(a[i], b[i]); r != valid {
			return r
		}
	}
	return valid
}

func equalObjects(a, b map[string]any) verdict {
	if len(a) != len(b) {
		return invalid
	}
	for k, va := range a {
		vb, ok := b[k]
		if !ok {
			return invalid
		}
		if r := equal(va, vb); r != valid {
			return r
		}
	}
	return valid
}

func boolVerdict(ok bool) verdict {
	if ok {
		return valid
	}
	return invalid
}
