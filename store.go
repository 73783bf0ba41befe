package ginjwt

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Store records revoked token IDs: the "jti" of single tokens and the
// "fam" of whole sessions. The middleware asks it about every verified
// token; Logout and refresh-token rotation write to it. Implementations
// must be safe for concurrent use and honour the context's deadline.
// An error from a Store never lets a request through: it answers
// auth_unavailable.
type Store interface {
	// Revoke records id as revoked until the given time, past which no
	// token carrying it can verify anyway, so the entry may be dropped.
	// It reports whether id was not revoked before: of concurrent calls
	// with one id, exactly one reports true.
	Revoke(ctx context.Context, id string, until time.Time) (bool, error)
	// Revoked reports whether any of ids is revoked.
	Revoked(ctx context.Context, ids ...string) (bool, error)
}

// ErrStoreFull is returned by MemoryStore.Revoke when every entry is
// still live: forgetting one would un-revoke a token.
var ErrStoreFull = errors.New("ginjwt: revocation store is full")

// MemoryStoreConfig configures a MemoryStore.
type MemoryStoreConfig struct {
	// MaxEntries bounds the live revocations held. Default 1,000,000
	// (about 100 MB at the worst).
	MaxEntries int
	// Now is the clock deciding when entries expire. Default time.Now;
	// give it the Auth's clock.
	Now func() time.Time
}

// MemoryStore is a Store in the process's memory: the default of an
// Auth, right for a single instance. Revocations do not survive a restart
// and are not shared between instances; use a shared store (such as the
// Redis store) for that.
type MemoryStore struct {
	mu      sync.RWMutex
	entries map[string]int64 // id → the Unix nanosecond it expires
	max     int
	now     func() time.Time
	inserts int
}

// sweepEvery is how many revocations pass between sweeps of expired
// entries, so memory follows live revocations without a goroutine.
const sweepEvery = 4096

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore(cfg MemoryStoreConfig) *MemoryStore {
	setDefault(&cfg.MaxEntries, 1_000_000)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &MemoryStore{entries: map[string]int64{}, max: cfg.MaxEntries, now: cfg.Now}
}

// Revoke implements Store.
func (s *MemoryStore) Revoke(ctx context.Context, id string, until time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := s.now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	if exp, ok := s.entries[id]; ok && exp > now {
		s.entries[id] = max(exp, until.UnixNano())
		return false, nil
	}
	if s.inserts++; s.inserts%sweepEvery == 0 || len(s.entries) >= s.max {
		s.sweep(now)
	}
	if len(s.entries) >= s.max {
		return false, ErrStoreFull
	}
	s.entries[id] = until.UnixNano()
	return true, nil
}

// Revoked implements Store.
func (s *MemoryStore) Revoked(ctx context.Context, ids ...string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := s.now().UnixNano()
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, id := range ids {
		if exp, ok := s.entries[id]; ok && exp > now {
			return true, nil
		}
	}
	return false, nil
}

// Len returns the number of entries held, expired ones not yet swept
// included.
func (s *MemoryStore) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.entries)
}

func (s *MemoryStore) sweep(now int64) {
	for id, exp := range s.entries {
		if exp <= now {
			delete(s.entries, id)
		}
	}
}

// local marks a store that answers from memory: it never blocks, so the
// middleware spares it the StoreTimeout deadline.
func (s *MemoryStore) local() {}

type localStore interface{ local() }
