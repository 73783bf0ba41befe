// Package storetest checks that a ginjwt.Store keeps the contract the
// middleware relies on: what is revoked stays revoked until its time,
// exactly one of concurrent revocations of an ID reports it first, and a
// cancelled context stops a call. Store implementations run it from
// their tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Harness{
//			New: func(t *testing.T) ginjwt.Store { return newMyStore(t) },
//		})
//	}
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ginjwt/ginjwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Harness tells the suite how to drive a store.
type Harness struct {
	// New returns an empty store for one subtest. Required.
	New func(t *testing.T) ginjwt.Store
	// Now is the store's clock. Default time.Now.
	Now func() time.Time
	// Advance moves the store's clock forward. Leave it nil for a store
	// that keeps real time (a server's clock): the suite then waits for
	// short expiries instead.
	Advance func(d time.Duration)
	// CallBound is the longest any call may take; a call that takes
	// longer fails the suite. Default 2 seconds.
	CallBound time.Duration
}

// Run runs the whole suite as subtests of t.
func Run(t *testing.T, h Harness) {
	if h.New == nil {
		t.Fatal("storetest: Harness.New is required")
	}
	if h.Now == nil {
		h.Now = time.Now
	}
	if h.CallBound == 0 {
		h.CallBound = 2 * time.Second
	}
	tests := []struct {
		name string
		run  func(*testing.T, Harness)
	}{
		{"RevokeAndCheck", testRevokeAndCheck},
		{"RevokeReportsTheFirst", testRevokeReportsTheFirst},
		{"OpaqueIDs", testOpaqueIDs},
		{"Expiry", testExpiry},
		{"LaterExpiryWins", testLaterExpiryWins},
		{"PastExpiryRecordsNothing", testPastExpiry},
		{"ConcurrentRevokesOfOneID", testConcurrentRevokes},
		{"ConcurrentUse", testConcurrentUse},
		{"CancelledContext", testCancelledContext},
		{"ManyIDs", testManyIDs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, h) })
	}
}

// bounded runs f and fails the test if it takes longer than the bound.
func bounded[T any](
	t *testing.T,
	h Harness,
	f func(ctx context.Context) (T, error),
) (T, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), h.CallBound)
	defer cancel()
	start := time.Now()
	v, err := f(ctx)
	if took := time.Since(start); took > h.CallBound {
		t.Fatalf("storetest: a call took %v, more than %v", took, h.CallBound)
	}
	return v, err
}

func revoke(t *testing.T, h Harness, s ginjwt.Store, id string, until time.Time) bool {
	t.Helper()
	first, err := bounded(t, h, func(ctx context.Context) (bool, error) {
		return s.Revoke(ctx, id, until)
	})
	require.NoError(t, err)
	return first
}

func revoked(t *testing.T, h Harness, s ginjwt.Store, ids ...string) bool {
	t.Helper()
	r, err := bounded(t, h, func(ctx context.Context) (bool, error) {
		return s.Revoked(ctx, ids...)
	})
	require.NoError(t, err)
	return r
}

func testRevokeAndCheck(t *testing.T, h Harness) {
	s := h.New(t)
	until := h.Now().Add(time.Hour)
	assert.False(t, revoked(t, h, s, "a"))
	assert.True(t, revoke(t, h, s, "a", until))
	assert.True(t, revoked(t, h, s, "a"))
	assert.False(t, revoked(t, h, s, "b"))
	assert.True(t, revoked(t, h, s, "b", "a"), "any of several IDs")
	assert.False(t, revoked(t, h, s), "no IDs")
}

func testRevokeReportsTheFirst(t *testing.T, h Harness) {
	s := h.New(t)
	until := h.Now().Add(time.Hour)
	assert.True(t, revoke(t, h, s, "a", until))
	assert.False(t, revoke(t, h, s, "a", until))
	assert.True(t, revoke(t, h, s, "b", until))
}

func testOpaqueIDs(t *testing.T, h Harness) {
	s := h.New(t)
	until := h.Now().Add(time.Hour)
	ids := []string{"a:b", "a*", "*", "{slot}", "été", "with space", string(make([]byte, 512))}
	for _, id := range ids {
		assert.True(t, revoke(t, h, s, id, until), "%q", id)
	}
	for _, id := range ids {
		assert.True(t, revoked(t, h, s, id), "%q", id)
	}
	assert.False(t, revoked(t, h, s, "a"), "IDs are not patterns")
}

// wait lets time pass for the store: on its clock if the harness can
// move it, else for real.
func wait(t *testing.T, h Harness, d time.Duration) {
	t.Helper()
	if h.Advance != nil {
		h.Advance(d)
		return
	}
	time.Sleep(d)
}

// shortLife is an expiry short enough to wait for on a real clock.
const shortLife = 300 * time.Millisecond

func testExpiry(t *testing.T, h Harness) {
	s := h.New(t)
	require.True(t, revoke(t, h, s, "a", h.Now().Add(shortLife)))
	require.True(t, revoked(t, h, s, "a"))
	wait(t, h, 2*shortLife)
	assert.False(t, revoked(t, h, s, "a"), "expired entries are gone")
	assert.True(t, revoke(t, h, s, "a", h.Now().Add(time.Hour)), "and can be revoked anew")
}

func testLaterExpiryWins(t *testing.T, h Harness) {
	s := h.New(t)
	require.True(t, revoke(t, h, s, "a", h.Now().Add(shortLife)))
	require.False(t, revoke(t, h, s, "a", h.Now().Add(time.Hour)))
	require.False(
		t,
		revoke(t, h, s, "a", h.Now().Add(shortLife/2)),
		"an earlier time changes nothing",
	)
	wait(t, h, 2*shortLife)
	assert.True(t, revoked(t, h, s, "a"), "the later time is kept")
}

func testPastExpiry(t *testing.T, h Harness) {
	s := h.New(t)
	revoke(t, h, s, "a", h.Now().Add(-time.Second))
	assert.False(t, revoked(t, h, s, "a"))
}

func testConcurrentRevokes(t *testing.T, h Harness) {
	s := h.New(t)
	const n = 64
	until := h.Now().Add(time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	firsts := 0
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			first, err := s.Revoke(context.Background(), "contended", until)
			assert.NoError(t, err)
			if first {
				mu.Lock()
				firsts++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, 1, firsts, "exactly one of %d concurrent revocations is first", n)
}

func testConcurrentUse(t *testing.T, h Harness) {
	s := h.New(t)
	until := h.Now().Add(time.Hour)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 50 {
				id := fmt.Sprintf("g%d-%d", g, i)
				_, err := s.Revoke(context.Background(), id, until)
				assert.NoError(t, err)
				got, err := s.Revoked(context.Background(), id)
				assert.NoError(t, err)
				assert.True(t, got, id)
				got, err = s.Revoked(context.Background(), id+"-never")
				assert.NoError(t, err)
				assert.False(t, got)
			}
		})
	}
	wg.Wait()
}

func testCancelledContext(t *testing.T, h Harness) {
	s := h.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := bounded(t, h, func(context.Context) (bool, error) {
		return s.Revoke(ctx, "a", h.Now().Add(time.Hour))
	})
	assert.Error(t, err, "Revoke with a cancelled context")
	_, err = bounded(t, h, func(context.Context) (bool, error) {
		return s.Revoked(ctx, "a")
	})
	assert.Error(t, err, "Revoked with a cancelled context")
}

func testManyIDs(t *testing.T, h Harness) {
	s := h.New(t)
	until := h.Now().Add(time.Hour)
	const n = 2000
	for i := range n {
		revoke(t, h, s, fmt.Sprint("id-", i), until)
	}
	for i := range n {
		require.True(t, revoked(t, h, s, fmt.Sprint("id-", i)))
	}
	assert.False(t, revoked(t, h, s, "id-absent"))
}
