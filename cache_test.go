package ginjwt

import (
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func cachedAuth(t testing.TB, clock *testClock, edit func(*Config)) *Auth {
	return newAuth(t, func(c *Config) {
		c.Now = clock.Now
		c.Store = NewMemoryStore(MemoryStoreConfig{Now: clock.Now})
		c.Cache = CacheConfig{Entries: 64}
		c.NewClaims = func() Claimer { return new(appClaims) }
		if edit != nil {
			edit(c)
		}
	})
}

func TestCacheHitsSkipTheCryptography(t *testing.T) {
	loadKeys()
	var lookups atomic.Int32
	a := newAuth(t, func(c *Config) {
		c.Keys = nil
		c.Keyfunc = func(*jwt.Token) (any, error) {
			lookups.Add(1)
			return &rsaKey.PublicKey, nil
		}
		c.Algorithms = []string{"RS256"}
		c.Cache = CacheConfig{Entries: 16}
	})
	tok := forge(t, jwt.SigningMethodRS256, rsaKey, `{"alg":"RS256"}`, payloadOf("alice", ""))
	r := protected(a)
	for range 3 {
		require.Equal(t, http.StatusOK, serve(t, r, get("/p", bearer(tok))).Status)
	}
	assert.EqualValues(t, 1, lookups.Load(), "verified once, then served from the cache")

	tampered := tok[:len(tok)-2] + "AA"
	assert.Equal(t, "token_invalid", serve(t, r, get("/p", bearer(tampered))).code(),
		"one changed character is another token")
	assert.Equal(t, "token_invalid", serve(t, r, get("/p", bearer(tampered))).code())
	assert.EqualValues(t, 3, lookups.Load(), "failures are never cached")
}

func TestCacheKeepsEveryCheck(t *testing.T) {
	clock := newClock()
	a := cachedAuth(t, clock, nil)
	r := sessionApp(a)
	pair, err := a.IssuePair("alice")
	require.NoError(t, err)

	// Warm the cache with both tokens.
	require.Equal(t, 200, serve(t, r, get("/protected", bearer(pair.AccessToken))).Status)
	require.Equal(t, 200, serve(t, r, post("/refresh", bearer(pair.RefreshToken))).Status)
	require.Equal(t, 2, a.cache.len())

	t.Run("a cached refresh token is still no access token", func(t *testing.T) {
		res := serve(t, r, get("/protected", bearer(pair.RefreshToken)))
		assert.Equal(t, "wrong_token_type", res.code())
	})
	t.Run("freshness still applies", func(t *testing.T) {
		assert.Equal(t, 200, serve(t, r, get("/fresh", bearer(pair.AccessToken))).Status)
		stale := access(t, a, "alice")
		require.Equal(t, 200, serve(t, r, get("/protected", bearer(stale))).Status)
		assert.Equal(
			t,
			"fresh_token_required",
			serve(t, r, get("/fresh", bearer(stale))).code(),
		)
	})
	t.Run("a token revoked after it was cached", func(t *testing.T) {
		other, err := a.IssuePair("bob")
		require.NoError(t, err)
		require.Equal(t, 200, serve(t, r, get("/protected", bearer(other.AccessToken))).Status)
		require.Equal(t, 200, serve(t, r, post("/logout", bearer(other.AccessToken))).Status)
		assert.Equal(
			t,
			"token_revoked",
			serve(t, r, get("/protected", bearer(other.AccessToken))).code(),
		)
	})
	t.Run("a hit after expiry", func(t *testing.T) {
		clock.Advance(16 * time.Minute)
		res := serve(t, r, get("/protected", bearer(pair.AccessToken)))
		assert.Equal(t, "token_expired", res.code())
	})
}

func TestCacheForgetsRemovedKeys(t *testing.T) {
	clock := newClock()
	k1 := Key{ID: "k1", Algorithm: "HS256", Secret: testSecret}
	k2 := Key{ID: "k2", Algorithm: "HS256", Secret: []byte("another-secret-of-thirty-two-b!!")}
	a := cachedAuth(t, clock, func(c *Config) { c.Keys = []Key{k1, k2}; c.SigningKeyID = "k1" })
	r := protected(a)
	tok := access(t, a, "alice")
	require.Equal(t, 200, serve(t, r, get("/p", bearer(tok))).Status)
	require.NoError(t, a.SetKeys("k2", k2))
	assert.Equal(t, "token_invalid", serve(t, r, get("/p", bearer(tok))).code())
}

func TestCacheTTL(t *testing.T) {
	clock := newClock()
	a := cachedAuth(t, clock, func(c *Config) { c.Cache.TTL = time.Minute })
	tok := access(t, a, "alice")
	claims := a.cfg.NewClaims()
	require.Nil(t, a.parse(t.Context(), tok, claims))
	assert.True(t, a.cache.get(tok, a.cfg.NewClaims(), clock.Now(), a.keys.Load()))
	clock.Advance(time.Minute)
	assert.False(t, a.cache.get(tok, a.cfg.NewClaims(), clock.Now(), a.keys.Load()))
}

func TestCacheIsBounded(t *testing.T) {
	clock := newClock()
	a := cachedAuth(t, clock, func(c *Config) { c.Cache.Entries = 100 })
	for i := range 1000 {
		claims := a.cfg.NewClaims()
		require.Nil(t, a.parse(t.Context(), access(t, a, fmt.Sprint("user-", i)), claims))
	}
	assert.LessOrEqual(t, a.cache.len(), 112, "16 shards of 7 entries")
}

func TestCacheUnderConcurrency(t *testing.T) {
	clock := newClock()
	a := cachedAuth(t, clock, func(c *Config) { c.Cache.Entries = 32 })
	r := protected(a)
	tokens := make([]string, 64)
	for i := range tokens {
		tokens[i] = access(t, a, fmt.Sprint("user-", i))
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 200 {
				n := (g*7 + i) % len(tokens)
				res := serve(t, r, get("/p", bearer(tokens[n])))
				assert.Equal(t, http.StatusOK, res.Status)
				assert.Equal(t, fmt.Sprint("user-", n), res.Body["identity"])
			}
		})
	}
	wg.Wait()
}

// A flood of distinct valid tokens does not grow the cache's memory past
// its bound.
func TestCacheMemoryIsBounded(t *testing.T) {
	tokens := 1_000_000
	if testing.Short() || raceEnabled {
		tokens = 50_000
	}
	const entries = 10_000
	clock := newClock()
	a := cachedAuth(t, clock, func(c *Config) { c.Cache.Entries = entries })
	sample := access(t, a, "user-0000000")
	// The bound CacheConfig documents, for tokens of this size.
	bound := uint64(entries * (2*len(sample) + 512))

	before := heapInUse()
	claims := a.cfg.NewClaims()
	for i := range tokens {
		tok, err := a.NewAccessToken(fmt.Sprintf("user-%07d", i))
		require.NoError(t, err)
		require.Nil(t, a.parse(t.Context(), tok, claims))
	}
	grown := heapInUse() - min(before, heapInUse())
	t.Logf("%d tokens through a cache of %d: heap grew %d bytes (bound %d)",
		tokens, entries, grown, bound)
	assert.LessOrEqual(t, grown, bound)
	assert.LessOrEqual(t, a.cache.len(), entries+cacheShards)
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
