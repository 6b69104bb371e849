package remotewrite

import "sync"

// ring is one shard's bounded FIFO of items. Pushing into a full ring
// overwrites the oldest items: during an outage the newest data is kept.
type ring struct {
	mu     sync.Mutex
	max    int    // capacity
	buf    []item // grows up to max as needed
	head   int    // index of the oldest item
	n      int
	notify chan struct{} // has a value when items were pushed
}

func newRing(capacity int) *ring {
	return &ring{max: capacity, notify: make(chan struct{}, 1)}
}

// push appends items and returns how many older ones were dropped.
func (r *ring) push(items []item) (dropped int) {
	if len(items) == 0 {
		return 0
	}
	r.mu.Lock()
	if need := r.n + len(items); need > len(r.buf) && len(r.buf) < r.max {
		r.grow(min(max(need, 2*len(r.buf)), r.max))
	}
	c := len(r.buf)
	if len(items) > c {
		// More than fits at all: only the newest c can stay.
		dropped += len(items) - c
		items = items[len(items)-c:]
	}
	for _, it := range items {
		if r.n == c {
			r.buf[r.head] = item{}
			r.head = (r.head + 1) % c
			r.n--
			dropped++
		}
		r.buf[(r.head+r.n)%c] = it
		r.n++
	}
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
	return dropped
}

// grow reallocates buf with size n, the items from index 0.
func (r *ring) grow(n int) {
	buf := make([]item, n)
	for i := range r.n {
		buf[i] = r.buf[(r.head+i)%len(r.buf)]
	}
	r.buf, r.head = buf, 0
}

// pop moves up to max of the oldest items to dst.
func (r *ring) pop(dst []item, max int) []item {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := len(r.buf)
	for ; max > 0 && r.n > 0; max-- {
		dst = append(dst, r.buf[r.head])
		r.buf[r.head] = item{} // let the series go when it is gone
		r.head = (r.head + 1) % c
		r.n--
	}
	if r.n == 0 {
		// Drained: the buffer goes until the next snapshot, so that an
		// idle endpoint holds nothing.
		r.buf, r.head = nil, 0
	}
	return dst
}

func (r *ring) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}
