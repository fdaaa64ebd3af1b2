package anon

// classes is a set of equivalence classes: for each class its key (w codes:
// the generalised quasi-identifier codes, then the sensitive code when
// l-diversity is asked), a representative distinct tuple of the input, and
// its number of records. The input's distinct tuples are the classes of the
// bottom node.
type classes struct {
	w      int
	levels []int // the node; nil for a merge result
	codes  []int32
	rep    []int32
	count  []int32
}

// len returns the number of classes.
func (c *classes) len() int { return len(c.count) }

// key returns class j's key.
func (c *classes) key(j int) []int32 { return c.codes[j*c.w : (j+1)*c.w] }

// hashTable is an open-addressing index from keys to class numbers, reused
// between groupings to spare allocations.
type hashTable struct {
	slots []int32
	mask  uint64
}

// reset empties the table and sizes it for up to n keys.
func (h *hashTable) reset(n int) {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	if cap(h.slots) >= size {
		h.slots = h.slots[:size]
	} else {
		h.slots = make([]int32, size)
	}
	for i := range h.slots {
		h.slots[i] = -1
	}
	h.mask = uint64(size - 1)
}

// hashKey mixes a key's codes (FNV-1a over words, then a murmur finaliser).
func hashKey(key []int32) uint64 {
	h := uint64(14695981039346656037)
	for _, k := range key {
		h ^= uint64(uint32(k))
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// add adds count records with key to dst, creating the class with
// representative rep if it is new, and returns the class number.
func (h *hashTable) add(dst *classes, key []int32, rep, count int32) int32 {
	w := dst.w
	for i := hashKey(key) & h.mask; ; i = (i + 1) & h.mask {
		j := h.slots[i]
		if j < 0 {
			j = int32(len(dst.count))
			h.slots[i] = j
			dst.codes = append(dst.codes, key...)
			dst.rep = append(dst.rep, rep)
			dst.count = append(dst.count, count)
			return j
		}
		if equal(dst.codes[int(j)*w:int(j+1)*w], key) {
			dst.count[j] += count
			return j
		}
	}
}

// equal reports whether two keys are equal.
func equal(a, b []int32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
