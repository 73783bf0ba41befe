package ginjwt

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Many goroutines share one Auth and one engine, the way a server does.
// Pooled buffers and HMAC states must never let one request's token or
// claims reach another's answer.

// answer is what one concurrent request got, checked on the test's
// goroutine.
type answer struct {
	want, got string
}

// identityOrCode sends token and returns the identity the handler saw, or
// the error code.
func identityOrCode(h http.Handler, token string) string {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, get("/p", bearer(token)))
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		return fmt.Sprintf("status %d, body %q", w.Code, w.Body.String())
	}
	if w.Code == http.StatusOK {
		id, _ := body["identity"].(string)
		return "id:" + id
	}
	code, _ := body["error"].(string)
	return code
}

func TestConcurrentRequestsGetTheirOwnAnswers(t *testing.T) {
	loadKeys()
	a := newAuth(t, func(c *Config) {
		c.Keys = []Key{
			{ID: "hs", Algorithm: "HS256", Secret: testSecret},
			{ID: "es", Algorithm: "ES256", Private: ecKeys["ES256"]},
			{ID: "ed", Algorithm: "EdDSA", Private: edKey},
		}
		c.SigningKeyID = "hs"
	})
	r := protected(a)

	type job struct{ token, want string }
	var jobs []job
	for i := range 8 {
		user := fmt.Sprintf("user-%d", i)
		for _, id := range []string{"hs", "es", "ed"} {
			signer := newAuth(t, func(c *Config) {
				for _, k := range a.cfg.Keys {
					if k.ID == id {
						c.Keys = []Key{k}
					}
				}
			})
			tok := access(t, signer, user)
			sig := sigOf(t, tok)
			sig[0] ^= 1
			jobs = append(jobs,
				job{tok, "id:" + user},
				job{withSig(t, tok, sig), CodeTokenInvalid},
				job{tok[:len(tok)/2], CodeTokenMalformed},
			)
		}
	}

	const workers, rounds = 8, 20
	answers := make(chan answer, workers*rounds*len(jobs))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for round := range rounds {
				for i := range jobs {
					j := jobs[(i+w*7+round)%len(jobs)]
					answers <- answer{want: j.want, got: identityOrCode(r, j.token)}
				}
			}
		})
	}
	wg.Wait()
	close(answers)

	wrong := 0
	for ans := range answers {
		if ans.got != ans.want {
			wrong++
			assert.Equal(t, ans.want, ans.got)
		}
	}
	require.Zero(t, wrong)
}

func TestRotationUnderLoadNeverLetsARemovedKeyThrough(t *testing.T) {
	oldKey := Key{ID: "old", Algorithm: "HS256", Secret: []byte(strings.Repeat("o", 32))}
	newKey := Key{ID: "new", Algorithm: "HS256", Secret: []byte(strings.Repeat("n", 32))}
	a := newAuth(t, func(c *Config) { c.Keys = []Key{oldKey, newKey}; c.SigningKeyID = "old" })
	r := protected(a)
	oldTok := access(t, a, "alice")

	var rotated atomic.Bool
	var accepted, leaked atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				after := rotated.Load()
				if identityOrCode(r, oldTok) == "id:alice" {
					accepted.Add(1)
					if after {
						leaked.Add(1)
					}
				}
			}
		})
	}
	// Let some requests through with the old key, then remove it.
	for accepted.Load() < 50 {
		if identityOrCode(r, oldTok) == "id:alice" {
			accepted.Add(1)
		}
	}
	require.NoError(t, a.SetKeys("new", newKey))
	rotated.Store(true)
	for range 200 {
		assert.Equal(t, CodeTokenInvalid, identityOrCode(r, oldTok))
	}
	close(stop)
	wg.Wait()

	assert.Zero(t, leaked.Load(), "a request begun after the rotation accepted the old key")
	assert.Equal(t, "id:bob", identityOrCode(r, access(t, a, "bob")))
}

// 64 goroutines mix valid tokens of many subjects with expired, revoked
// and forged ones: every answer must be its own token's, and the cache
// and the store, shared by all, must not mix them up either.
func TestSixtyFourGoroutinesMixingTokens(t *testing.T) {
	clock := newClock()
	a := newAuth(t, func(c *Config) {
		c.Now = clock.Now
		c.Store = NewMemoryStore(MemoryStoreConfig{Now: clock.Now})
		c.Cache = CacheConfig{Entries: 64}
	})
	past := newAuth(t, func(c *Config) {
		c.Now = func() time.Time { return clock.Now().Add(-time.Hour) }
	})
	forger := newAuth(t, func(c *Config) {
		c.Keys = []Key{{Algorithm: "HS256", Secret: []byte("not-the-server-secret-32-bytes!!")}}
	})
	r := protected(a)

	type job struct{ token, want string }
	var jobs []job
	for i := range 32 {
		user := fmt.Sprintf("user-%02d", i)
		revoked := access(t, a, user)
		_, err := a.Revoke(t.Context(), decodePayload(t, revoked)["jti"].(string),
			clock.Now().Add(time.Hour))
		require.NoError(t, err)
		jobs = append(jobs,
			job{access(t, a, user), "id:" + user},
			job{access(t, past, user), CodeTokenExpired},
			job{revoked, CodeTokenRevoked},
			job{access(t, forger, user), CodeTokenInvalid},
		)
	}

	const goroutines, rounds = 64, 10
	answers := make(chan answer, goroutines*rounds*len(jobs))
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for round := range rounds {
				for i := range jobs {
					j := jobs[(i*7+g*13+round)%len(jobs)]
					answers <- answer{want: j.want, got: identityOrCode(r, j.token)}
				}
			}
		})
	}
	wg.Wait()
	close(answers)
	n, wrong := 0, 0
	for ans := range answers {
		n++
		if ans.got != ans.want {
			wrong++
			if wrong < 5 {
				assert.Equal(t, ans.want, ans.got)
			}
		}
	}
	assert.Zero(t, wrong, "%d of %d answers were another token's", wrong, n)
}
