package main

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestLimitRequests: beyond n requests in flight, the next one gets 503 at
// once instead of queueing more work.
func TestLimitRequests(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 3)
	h := limitRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-release
	}), 2)
	var done sync.WaitGroup
	for range 2 {
		done.Go(func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/mappings", nil))
			if rec.Code != http.StatusOK {
				t.Errorf("in-limit request: %d", rec.Code)
			}
		})
	}
	<-started
	<-started
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/mappings", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("third request: %d %v", rec.Code, rec.Header())
	}
	close(release)
	done.Wait()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/mappings", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("after the others finished: %d", rec.Code)
	}
}
