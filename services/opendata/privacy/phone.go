package privacy

import "strings"

// phone reports whether s starts with a phone number: Swedish national
// (0 and an area code: 070-123 45 67, 08-123 456 78, 021-12 34 56,
// (021) 12 34 56), Swedish international (+46 70 123 45 67, +46 (0)21-12 34
// 56, 0046 …) or any other international number written with a plus sign
// (8 to 15 digits, as E.164 allows).
//
// Dates, times, decimals and postcodes do not match: a national number
// starts with 0 and has 8 to 10 digits in groups joined only by spaces,
// hyphens, slashes or parentheses (never dots or colons), and its first
// group, when separate, is a real area-code length (08, or 3 to 4 digits).
func phone(s string) bool {
	groups, ends := digitGroups(s)
	if len(groups) == 0 {
		return false
	}
	intl := s[0] == '+'
	if !intl && strings.HasPrefix(groups[0], "0046") {
		intl, groups[0] = true, groups[0][2:]
	}
	digits := ""
	for k, g := range groups {
		digits += g
		if !rightBoundary(s, ends[k]) {
			continue
		}
		if intl && internationalNumber(digits, groups[:k+1]) {
			return true
		}
		if !intl && nationalNumber(digits, groups[0], k == 0) {
			return true
		}
	}
	return false
}

// nationalNumber checks the digits of a Swedish number written with its
// leading 0.
func nationalNumber(d, first string, oneGroup bool) bool {
	if len(d) < 8 || d[0] != '0' || d[1] == '0' {
		return false
	}
	if !oneGroup && (len(first) < 2 || len(first) > 4 || (len(first) == 2 && first != "08")) {
		return false
	}
	switch {
	case d[1] == '7':
		return len(d) == 10
	case d[1] == '8', oneGroup:
		return len(d) == 9 || len(d) == 10
	default:
		return len(d) <= 10
	}
}

// internationalNumber checks the digits after + or 00, the country code
// first.
func internationalNumber(d string, groups []string) bool {
	if d[0] == '0' {
		return false
	}
	if strings.HasPrefix(d, "46") {
		n := d[2:]
		if groups[0] == "46" && len(groups) > 1 && groups[1] == "0" {
			n = n[1:] // +46 (0)21 …
		}
		if n == "" || n[0] == '0' {
			return false
		}
		if n[0] == '7' {
			return len(n) == 9
		}
		return len(n) >= 7 && len(n) <= 9
	}
	return len(d) >= 8 && len(d) <= 15
}

// digitGroups splits the start of s into runs of digits joined by short
// separators (at most three of space, hyphen, slash and parentheses), after
// an optional leading plus sign. ends[i] is the index in s right after
// groups[i].
func digitGroups(s string) (groups []string, ends []int) {
	i := 0
	if s[0] == '+' {
		i = 1
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	for i < len(s) {
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == i {
			break
		}
		groups, ends = append(groups, s[i:j]), append(ends, j)
		k := j
		for k < len(s) && k-j < 3 && strings.IndexByte(" -/()", s[k]) >= 0 {
			k++
		}
		if k == j || k == len(s) || !isDigit(s[k]) || len(groups) > 8 {
			break
		}
		i = k
	}
	return groups, ends
}
