package anon

// classes is a set of equivalence classes at one node: for each class its
// packed key (the generalised quasi-identifier codes, and the sensitive
// value's code when l-diversity is asked, laid out by [layout]) and its
// number of records. The input's distinct tuples are the classes of the
// bottom node.
type classes struct {
	levels []int
	keys   []uint64
	count  []int32
}

// len returns the number of classes.
func (c *classes) len() int { return len(c.count) }

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

// hash mixes a key (the murmur3 finaliser).
func hash(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	return k
}

// add adds count records with key to dst, creating the class if it is new,
// and returns the class number. The table must have room (see reset, grow).
func (h *hashTable) add(dst *classes, key uint64, count int32) int32 {
	for i := hash(key) & h.mask; ; i = (i + 1) & h.mask {
		j := h.slots[i]
		if j < 0 {
			j = int32(len(dst.count))
			h.slots[i] = j
			dst.keys = append(dst.keys, key)
			dst.count = append(dst.count, count)
			return j
		}
		if dst.keys[j] == key {
			dst.count[j] += count
			return j
		}
	}
}

// grow doubles the table and reindexes dst's classes.
func (h *hashTable) grow(dst *classes) {
	h.reset(len(h.slots))
	for j, key := range dst.keys {
		for i := hash(key) & h.mask; ; i = (i + 1) & h.mask {
			if h.slots[i] < 0 {
				h.slots[i] = int32(j)
				break
			}
		}
	}
}
