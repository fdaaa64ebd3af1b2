// Package anon makes a table k-anonymous by generalising its
// quasi-identifiers and suppressing the few records that still stand out,
// choosing the least lossy way to do so.
//
// # The model, for the IT colleague of a caseworker
//
// A quasi-identifier is a column that is not a name or an id but, combined
// with other such columns, can single a person out: age, sex, postcode,
// country of birth. Each quasi-identifier has a [Hierarchy]: level 0 is the
// original value, each higher level a coarser version of it (age 39 → 35-39
// → 30-39 → *), the top level usually "*" (nothing left).
//
// A generalisation picks one level per quasi-identifier; the set of all
// such choices is the lattice (for 9 columns with 2 to 5 levels each, 12,960
// nodes). Applying a node groups the records into equivalence classes:
// records that look identical on all quasi-identifiers. The table is
// k-anonymous when every class has at least k records, so each published
// record is indistinguishable from at least k-1 others. Optionally, each
// class must also hold at least l distinct values of a sensitive column
// (distinct l-diversity), so membership of a class does not reveal it.
//
// Records in classes that are too small may be suppressed (left out of the
// output) instead of generalising everything further, but at most
// floor(MaxSuppression × records) of them: the suppression budget. A node is
// acceptable when the records in its failing classes fit in the budget.
//
// Among acceptable nodes, [Anonymize] returns the one with the lowest
// information loss, exactly (not a heuristic). Loss is ARX's default "Loss"
// metric (Iyengar's generalised information loss, as ARX's MetricMDNMLoss
// computes it with its defaults), so figures are comparable with ARX's:
//
//   - a cell generalised to a value covering m of the attribute's d
//     original values loses (m-1)/(d-1): 0 for an original value, 1 for "*";
//   - a suppressed record loses 1 in every quasi-identifier;
//   - each attribute's loss is the mean over all records, in [0,1];
//   - the attributes are combined with ARX's default aggregate, the
//     geometric mean shifted by one: (Π(1+lossᵢ))^(1/n) − 1, in [0,1].
//
// So 0 means the data was published unchanged and 1 that nothing is left.
// Ties are broken by fewer suppressed records, then fewer generalisation
// steps. The per-attribute losses equal ARX's to the ten decimals ARX
// prints (see TestLossMatchesARX).
// The domain size d is the number of rows of a CSV hierarchy (as in ARX),
// or the number of distinct values in the data for the programmatic
// hierarchies.
//
// # The search
//
// Values are dictionary-encoded once, each record packed into a 64-bit key
// of its codes, and identical records counted once as a distinct tuple, so
// a node is evaluated over distinct tuples, not rows. A node's classes are
// rolled up from those of an already evaluated finer node (the smallest one
// kept), not regrouped from the rows.
//
// Nodes are visited in order of a lower bound on their loss: the loss with
// no suppression at all, which is computed per attribute without grouping
// and only grows up the lattice. The search stops when that bound exceeds
// the best loss found, so whole upper parts of the lattice are never
// looked at. Anonymity with suppression is monotone (if a node passes, so
// do all its generalisations; if it fails, so do all its specialisations),
// so nodes are settled without grouping by predictive tagging: from an
// unsettled node the search builds a path upwards through unsettled nodes
// that could still beat the best, checks it from the top down, and tags
// everything below the first failing node as failing. A node whose
// projection on some pair of quasi-identifiers already leaves too many
// records in cells smaller than k fails without being grouped. Loss is not
// monotone once records are suppressed, so every passing node below the
// bound is evaluated; the result is the exact optimum, which the tests
// check against a brute force over whole lattices.
//
// Errors never contain a data value, since values may be personal data:
// they name the column, the row number or the hierarchy line instead.
package anon
