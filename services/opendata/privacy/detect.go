package privacy

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Kind is the kind of identifier a Finding reports.
type Kind string

// The kinds of identifier the Scanner detects.
const (
	KindPersonnummer        Kind = "personnummer"
	KindSamordningsnummer   Kind = "samordningsnummer"
	KindOrganisationsnummer Kind = "organisationsnummer"
	KindEmail               Kind = "email"
	KindPhone               Kind = "phone"
	// KindDirectIdentifier is any non-empty value of a column declared a
	// direct identifier, whatever it looks like.
	KindDirectIdentifier Kind = "direct_identifier"
)

var (
	// Anchored at a candidate start; the right boundary is checked apart.
	rePnr12 = regexp.MustCompile(`^(\d{8})[-+ ]?(\d{4})`)
	rePnr10 = regexp.MustCompile(`^(\d{6})[-+ ]?(\d{4})`)
	reOrgnr = regexp.MustCompile(`^(?:16)?(\d{6})-?(\d{4})`)
	reEmail = regexp.MustCompile(`[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}`)
)

// severity orders the kinds detect reports, most telling first.
var severity = [...]Kind{KindPersonnummer, KindSamordningsnummer, KindOrganisationsnummer, KindPhone, KindEmail}

// detectAll returns every kind of identifier found anywhere in v, most
// telling first, or nil when none is.
func detectAll(v string) []Kind {
	var found [len(severity)]bool
	for i := 0; i < len(v); i++ {
		if candidateStart(v, i) {
			if k := detectAt(v, i); k != "" {
				found[slices.Index(severity[:], k)] = true
			}
		}
	}
	if strings.IndexByte(v, '@') >= 0 && reEmail.MatchString(v) {
		found[slices.Index(severity[:], KindEmail)] = true
	}
	var out []Kind
	for i, k := range severity {
		if found[i] {
			out = append(out, k)
		}
	}
	return out
}

// detect returns the most telling kind of identifier in v, or "".
func detect(v string) Kind {
	if ks := detectAll(v); len(ks) > 0 {
		return ks[0]
	}
	return ""
}

// detectAt tries every numeric pattern that starts at v[i].
func detectAt(v string, i int) Kind {
	s := v[i:]
	// Identity numbers start with at least six digits in a row.
	if len(s) >= 10 && isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) && isDigit(s[3]) && isDigit(s[4]) && isDigit(s[5]) {
		if m := rePnr12.FindStringSubmatch(s); m != nil && rightBoundary(v, i+len(m[0])) {
			if k := personnummer(m[1]+m[2], true); k != "" {
				return k
			}
		}
		if m := rePnr10.FindStringSubmatch(s); m != nil && rightBoundary(v, i+len(m[0])) {
			if k := personnummer(m[1]+m[2], false); k != "" {
				return k
			}
		}
		if m := reOrgnr.FindStringSubmatch(s); m != nil && rightBoundary(v, i+len(m[0])) {
			if organisationsnummer(m[1] + m[2]) {
				return KindOrganisationsnummer
			}
		}
	}
	if phone(s) {
		return KindPhone
	}
	return ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// candidateStart reports whether a number may start at v[i]: a digit or a
// plus sign that does not continue a number (a digit, or a decimal point,
// comma or slash right after a digit, as in 3.1415926535 or 2024/...).
func candidateStart(v string, i int) bool {
	if !isDigit(v[i]) && v[i] != '+' {
		return false
	}
	if i == 0 {
		return true
	}
	p := v[i-1]
	if isDigit(p) || p == '+' {
		return false
	}
	if (p == '.' || p == ',' || p == '/' || p == ':' || p == '-') && i >= 2 && isDigit(v[i-2]) {
		return false
	}
	return true
}

// rightBoundary reports whether a number may end before v[j]: the end, or
// a character that neither is a digit nor continues the number with one.
func rightBoundary(v string, j int) bool {
	if j >= len(v) {
		return true
	}
	c := v[j]
	if isDigit(c) {
		return false
	}
	if (c == '.' || c == ',' || c == ':' || c == '/') && j+1 < len(v) && isDigit(v[j+1]) {
		return false
	}
	return true
}

// personnummer checks digits (10, or 12 with the century when full) as a
// personnummer or samordningsnummer: a real date of birth (day + 60 for a
// samordningsnummer) and a Luhn check digit over the last ten digits.
func personnummer(d string, full bool) Kind {
	year, rest := 0, d
	if full {
		year = atoi(d[:4])
		if year < 1800 || year > 2099 {
			return ""
		}
		rest = d[2:]
	}
	if !luhn(rest) {
		return ""
	}
	month, day := atoi(rest[2:4]), atoi(rest[4:6])
	kind := KindPersonnummer
	if day > 60 {
		day -= 60
		kind = KindSamordningsnummer
	}
	if !full {
		// Any century will do: a date valid in one of them is in doubt.
		yy := atoi(rest[:2])
		if validDate(2000+yy, month, day) || validDate(1900+yy, month, day) {
			return kind
		}
		return ""
	}
	if validDate(year, month, day) {
		return kind
	}
	return ""
}

// organisationsnummer checks 10 digits as an organisationsnummer: a group
// number 1–9 first, a third digit of 2 or more (so never a month) and a
// Luhn check digit.
func organisationsnummer(d string) bool {
	return d[0] != '0' && d[2] >= '2' && luhn(d)
}

func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// luhn reports whether the digits end in a valid Luhn (mod 10) check digit.
func luhn(d string) bool {
	sum := 0
	for i := 0; i < len(d); i++ {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

func atoi(d string) int {
	n := 0
	for i := 0; i < len(d); i++ {
		n = n*10 + int(d[i]-'0')
	}
	return n
}
