package statsd

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// TestSequencerTickets: a batch takes every queued packet (up to maxTake)
// under one ticket, tickets count up in the order batches are taken, and a
// closed, empty queue ends the worker.
func TestSequencerTickets(t *testing.T) {
	s := newSequencer(2)
	q := make(chan *packet, maxTake+10)
	for range maxTake + 3 {
		q <- &packet{}
	}
	for _, want := range []struct {
		n      int
		ticket uint64
	}{{maxTake, 0}, {3, 1}} {
		b, ticket, ok := s.takeBatch(q, nil)
		if !ok || len(b) != want.n || ticket != want.ticket {
			t.Fatalf("takeBatch: %d packets, ticket %d, ok %v; want %d, %d, true", len(b), ticket, ok, want.n, want.ticket)
		}
	}
	close(q)
	if _, _, ok := s.takeBatch(q, nil); ok {
		t.Fatal("takeBatch on a closed, empty queue: ok")
	}
	// Every other worker ends too.
	if _, _, ok := s.takeBatch(q, nil); ok {
		t.Fatal("a second takeBatch after close: ok")
	}
}

// TestSequencerOrder: workers that reach their turn in any order append in
// ticket order, one at a time.
func TestSequencerOrder(t *testing.T) {
	const n = 200
	s := newSequencer(8)
	tickets := rand.New(rand.NewPCG(1, 2)).Perm(n)
	var (
		mu     sync.Mutex
		got    []int
		inside atomic.Int32 // workers between wait and done
		wg     sync.WaitGroup
	)
	for _, tk := range tickets {
		wg.Go(func() {
			s.wait(uint64(tk))
			if inside.Add(1) != 1 {
				t.Errorf("ticket %d has its turn while another does", tk)
			}
			mu.Lock()
			got = append(got, tk)
			mu.Unlock()
			inside.Add(-1)
			s.done()
		})
	}
	wg.Wait()
	for i, tk := range got {
		if tk != i {
			t.Fatalf("append %d was ticket %d; order %v", i, tk, got)
		}
	}
	if len(got) != n {
		t.Fatalf("%d appends, want %d", len(got), n)
	}
}
