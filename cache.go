package ginjwt

import (
	"cmp"
	"hash/maphash"
	"reflect"
	"sync"
	"time"
)

// CacheConfig configures the verified-token cache. A client sends the
// same token with every request until it expires; the cache keeps the
// claims of tokens whose signature and claims verified, keyed by the
// whole token, and skips the cryptography and the decoding when one comes
// back. Everything else still happens on every request: the claims are
// validated against the clock (a cached token never outlives its "exp"),
// the revocation store is asked, and the route's rules (type, freshness,
// CSRF, authorization) apply. Failures are never cached.
type CacheConfig struct {
	// Entries bounds the tokens kept; 0 disables the cache. Memory stays
	// under about Entries × (twice the token length + 512 bytes) whatever the
	// traffic: each entry holds a token and its decoded claims.
	Entries int
	// TTL bounds how long an entry is trusted, even for a token that
	// lives longer: with Keyfunc or KeySource it is how long a token
	// signed by a key that left the key source can still pass. Default 5
	// minutes. SetKeys empties the cache at once.
	TTL time.Duration
}

const (
	defaultCacheTTL = 5 * time.Minute
	cacheShards     = 16
)

// tokenCache is a sharded map with FIFO eviction: lookups take a read
// lock only, so concurrent hits do not contend, and the bound holds
// without bookkeeping on the hit path.
type tokenCache struct {
	seed   maphash.Seed
	ttl    time.Duration
	shards [cacheShards]cacheShard
}

type cacheShard struct {
	mu      sync.RWMutex
	entries map[string]*cacheEntry
	ring    []string // insertion order; the oldest is evicted first
	next    int
}

type cacheEntry struct {
	claims  reflect.Value // a *T that no request ever sees
	expires int64         // Unix nanoseconds: added + TTL
	keys    *keyring      // the key set that verified the token
}

func newTokenCache(cfg CacheConfig) *tokenCache {
	if cfg.Entries <= 0 {
		return nil
	}
	per := max(1, (cfg.Entries+cacheShards-1)/cacheShards)
	c := &tokenCache{seed: maphash.MakeSeed(), ttl: cmp.Or(cfg.TTL, defaultCacheTTL)}
	for i := range c.shards {
		c.shards[i].entries = make(map[string]*cacheEntry, per)
		c.shards[i].ring = make([]string, per)
	}
	return c
}

func (c *tokenCache) shard(token string) *cacheShard {
	return &c.shards[maphash.String(c.seed, token)%cacheShards]
}

// get copies the cached claims of token into claims and reports whether
// there were any. An entry made under another key set than keys is stale:
// a token verified by a key that SetKeys removed never passes again.
func (c *tokenCache) get(token string, claims Claimer, now time.Time, keys *keyring) bool {
	s := c.shard(token)
	s.mu.RLock()
	e := s.entries[token]
	s.mu.RUnlock()
	if e == nil || e.keys != keys || now.UnixNano() >= e.expires {
		return false
	}
	dst := reflect.ValueOf(claims)
	if dst.Type() != e.claims.Type() {
		return false
	}
	dst.Elem().Set(e.claims.Elem())
	return true
}

// add keeps a copy of claims, verified from token with keys.
func (c *tokenCache) add(token string, claims Claimer, now time.Time, keys *keyring) {
	v := reflect.ValueOf(claims).Elem()
	cp := reflect.New(v.Type())
	cp.Elem().Set(v)
	e := &cacheEntry{claims: cp, expires: now.Add(c.ttl).UnixNano(), keys: keys}

	s := c.shard(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[token]; ok {
		s.entries[token] = e
		return
	}
	if old := s.ring[s.next]; old != "" {
		delete(s.entries, old)
	}
	s.ring[s.next] = token
	s.next = (s.next + 1) % len(s.ring)
	s.entries[token] = e
}

// clear drops every entry.
func (c *tokenCache) clear() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		clear(s.entries)
		clear(s.ring)
		s.next = 0
		s.mu.Unlock()
	}
}

// len returns the number of entries.
func (c *tokenCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.entries)
		s.mu.RUnlock()
	}
	return n
}
