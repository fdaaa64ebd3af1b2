// Package privacy holds the tools that make a dataset safe to publish, each
// failing closed: when in doubt, it refuses or hides. It imports nothing of
// the project; the opendata service applies them as a dataset's policy
// declares, and k-anonymity of microdata lives in services/opendata/anon.
//
// # Scanner
//
// NewScanner, (*Scanner).Check, (*Scanner).Table and (*Scanner).ScanRows
// look at every value about to be published, free text included, for a
// personnummer or samordningsnummer (10 or 12 digits, the last four after
// nothing, a hyphen, a plus or a space; a real date, day + 60 for a
// samordningsnummer, a Luhn check digit), an organisationsnummer (third
// digit 2 or more, Luhn, optionally prefixed 16), an e-mail address or a
// phone number (Swedish national and international forms, and any number
// written with a plus sign), and at any value of a column declared a direct
// identifier. A hit is a *Finding: an error naming the dataset, column, row
// and kind, never the value.
//
// Protects against: identifiers leaking into a file by mistake — a
// personnummer typed into a comment field, a mapping that copies the wrong
// column. Does not protect against: identifiers it does not know (names,
// street addresses, licence plates: declare such columns as direct
// identifiers or drop them), numbers that pass every check by chance (a
// ten-digit number with a valid date and check digit is reported: doubt is
// a finding: a compact timestamp YYYYMMDDhhmm is one in ten times, so
// publish ISO 8601), digits glued to a number by a decimal point or comma
// (1.8112189876 is read as a decimal), nor re-identification by combining
// harmless-looking values.
//
// # Small-cell suppression
//
// SuppressSmallCells hides aggregate cells counting 1 to threshold-1 and,
// as the totals are published true, enough further cells that no hidden
// one can be computed back from the published ones by linear equations
// (see its doc for the rule and the audit). Protects against: learning
// that a group of one to four people exists, or its exact count, from the
// table or its totals. Does not protect against: bounds (a hidden cell is
// known to lie between 1 and what remains of its line), dominance in sums,
// differencing between two releases of overlapping tables, or an attacker
// who knows some of the people counted.
//
// # Laplace noise
//
// NewBudget, NewNoise and (*Noise).Counts and Sums add Laplace noise for
// ε-differential privacy, each release spending part of the version's
// Budget; NewSeededNoise is for tests. Protects against: learning, from
// the published figures, whether any one person is in the data, to the
// degree ε states, whatever else the attacker knows. Does not protect
// against: a wrong maxPerPerson (the caller must bound each person's
// contributions), the sum of many versions' budgets (each version has its
// own), nor it being combined with unnoised publications of the same data.
// With small-cell suppression as well, pass the noisy counts to
// SuppressSmallCells: its totals are then sums of noisy cells and its
// choices post-processing, which keeps the guarantee; suppressing on the
// true counts would make the pattern of hidden cells itself reveal which
// true counts are small.
//
// # Pseudonymisation
//
// NewPseudonymizer replaces identifiers by keyed HMAC-SHA-256 hashes whose
// key is derived per release label, so rows of one person stay linked in
// a version and versions are not linked; KeyFromFile and KeyFromEnv read
// the secret. Protects against: reversing a pseudonym by hashing every
// possible personnummer, and linking versions through pseudonyms. Does not
// protect against: whoever holds the key, and recognition through the
// row's other values — a pseudonymised row is still personal data under
// the GDPR unless the rest is anonymous.
//
// # Report
//
// Report is the machine-readable privacy report of a version, and
// (*Report).Plain its explanation for citizens in Swedish and English.
package privacy
