package ginjwt

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// faultyStore fails or stalls on demand. A stalled call ignores its
// context, as a client waiting out its own socket timeout would.
type faultyStore struct {
	failing atomic.Bool
	stall   chan struct{} // when not nil, calls block until it closes
	inner   *MemoryStore
}

var errDown = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

func (s *faultyStore) Revoke(ctx context.Context, id string, until time.Time) (bool, error) {
	if err := s.fault(); err != nil {
		return false, err
	}
	return s.inner.Revoke(ctx, id, until)
}

func (s *faultyStore) Revoked(ctx context.Context, ids ...string) (bool, error) {
	if err := s.fault(); err != nil {
		return false, err
	}
	return s.inner.Revoked(ctx, ids...)
}

func (s *faultyStore) fault() error {
	if s.stall != nil {
		<-s.stall
	}
	if s.failing.Load() {
		return errDown
	}
	return nil
}

func TestStoreFailuresFailClosed(t *testing.T) {
	var log bytes.Buffer
	store := &faultyStore{inner: NewMemoryStore(MemoryStoreConfig{Now: fixedClock})}
	a := newAuth(t, func(c *Config) {
		c.Store = store
		c.Logger = slog.New(slog.NewTextHandler(&log, nil))
		c.NewClaims = func() Claimer { return new(appClaims) }
	})
	r := sessionApp(a)
	tok := access(t, a, "alice")

	require.Equal(t, http.StatusOK, serve(t, r, get("/protected", bearer(tok))).Status)
	store.failing.Store(true)
	for range 20 {
		res := serve(t, r, get("/protected", bearer(tok)))
		assert.Equal(t, http.StatusServiceUnavailable, res.Status)
		assert.JSONEq(
			t,
			`{"error":"auth_unavailable","msg":"Authentication temporarily unavailable"}`,
			res.Raw,
		)
		assert.Equal(t, "5", res.Header.Get("Retry-After"))
	}
	res := serve(t, r, post("/logout", bearer(tok)))
	assert.Equal(
		t,
		http.StatusServiceUnavailable,
		res.Status,
		"a logout that cannot revoke says so",
	)
	assert.Equal(t, 1, strings.Count(log.String(), "revocation store unavailable"),
		"one log line per incident:\n%s", log.String())

	store.failing.Store(false)
	assert.Equal(t, http.StatusOK, serve(t, r, get("/protected", bearer(tok))).Status)
	assert.Contains(t, log.String(), "revocation store answers again")
	assert.NotContains(t, log.String(), tok)
}

func TestStalledStoreAnswersWithinTheBound(t *testing.T) {
	store := &faultyStore{inner: NewMemoryStore(MemoryStoreConfig{Now: fixedClock}),
		stall: make(chan struct{})}
	defer close(store.stall)
	a := newAuth(t, func(c *Config) {
		c.Store = store
		c.StoreTimeout = 20 * time.Millisecond
		c.Logger = slog.New(slog.DiscardHandler)
	})
	res := serve(t, protected(a), get("/p", bearer(access(t, a, "alice"))))
	assert.Equal(t, http.StatusServiceUnavailable, res.Status)
	assert.Equal(t, "auth_unavailable", res.code())
}
