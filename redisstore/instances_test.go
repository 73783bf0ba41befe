package redisstore_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginjwt/ginjwt"
	"github.com/ginjwt/ginjwt/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// storeTimeout is the bound the instances give their store.
const storeTimeout = 200 * time.Millisecond

var secret = []byte("redis-tests-secret-of-32-bytes!!")

// instance is one server of an application that shares its revocations
// through Redis.
type instance struct {
	*httptest.Server
	log *syncBuffer
}

func newInstance(t *testing.T, rdb redis.UniversalClient) *instance {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	log := &syncBuffer{}
	auth, err := ginjwt.NewAuth(ginjwt.Config{
		Keys:                []ginjwt.Key{{Algorithm: "HS256", Secret: secret}},
		Store:               redisstore.New(rdb, redisstore.Config{}),
		StoreTimeout:        storeTimeout,
		RotateRefreshTokens: true,
		Logger:              slog.New(slog.NewTextHandler(log, nil)),
	})
	require.NoError(t, err)
	r := gin.New()
	r.POST("/login", func(c *gin.Context) { _ = auth.Login(c, c.Query("user")) })
	r.POST("/refresh", auth.RefreshHandler())
	r.POST("/logout", auth.LogoutHandler())
	r.GET("/protected", auth.Middleware(), func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"identity": ginjwt.MustIdentity(c)})
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return &instance{Server: srv, log: log}
}

type answer struct {
	status int
	body   map[string]any
}

func (in *instance) call(t *testing.T, method, path, token string) answer {
	t.Helper()
	req, err := http.NewRequest(method, in.URL+path, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := in.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	a := answer{status: res.StatusCode}
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &a.body)
	return a
}

func (in *instance) login(t *testing.T, user string) (access, refresh string) {
	t.Helper()
	a := in.call(t, http.MethodPost, "/login?user="+user, "")
	require.Equal(t, http.StatusOK, a.status)
	return a.body["access_token"].(string), a.body["refresh_token"].(string)
}

func TestLogoutOnOneInstanceIsRefusedOnAnother(t *testing.T) {
	srv := startRedis(t, false)
	a, b := newInstance(t, srv.client()), newInstance(t, srv.client())
	access, refresh := a.login(t, "alice")
	require.Equal(t, http.StatusOK, b.call(t, "GET", "/protected", access).status)

	require.Equal(t, http.StatusOK, a.call(t, "POST", "/logout", access).status)

	res := b.call(t, "GET", "/protected", access)
	assert.Equal(t, http.StatusUnauthorized, res.status)
	assert.Equal(t, "token_revoked", res.body["error"])
	assert.Equal(t, "token_revoked", b.call(t, "POST", "/refresh", refresh).body["error"],
		"the session's refresh token is revoked with it")
}

func TestRefreshReuseRevokesTheFamilyEverywhere(t *testing.T) {
	srv := startRedis(t, false)
	a, b := newInstance(t, srv.client()), newInstance(t, srv.client())
	_, first := a.login(t, "alice")

	rotated := a.call(t, "POST", "/refresh", first)
	require.Equal(t, http.StatusOK, rotated.status)
	newAccess := rotated.body["access_token"].(string)
	newRefresh := rotated.body["refresh_token"].(string)
	require.Equal(t, http.StatusOK, b.call(t, "GET", "/protected", newAccess).status)

	// The retired refresh token is replayed on the other instance.
	res := b.call(t, "POST", "/refresh", first)
	assert.Equal(t, "token_revoked", res.body["error"])

	for _, in := range []*instance{a, b} {
		assert.Equal(t, "token_revoked", in.call(t, "GET", "/protected", newAccess).body["error"])
		assert.Equal(t, "token_revoked", in.call(t, "POST", "/refresh", newRefresh).body["error"])
	}
	// Other sessions are not touched.
	other, _ := a.login(t, "bob")
	assert.Equal(t, http.StatusOK, b.call(t, "GET", "/protected", other).status)
}

func TestConcurrentRefreshesOnRedis(t *testing.T) {
	srv := startRedis(t, false)
	a, b := newInstance(t, srv.client()), newInstance(t, srv.client())
	_, refresh := a.login(t, "alice")

	const n = 32
	statuses := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		in := []*instance{a, b}[i%2]
		wg.Go(func() {
			<-start
			req, _ := http.NewRequest(http.MethodPost, in.URL+"/refresh", nil)
			req.Header.Set("Authorization", "Bearer "+refresh)
			res, err := in.Client().Do(req)
			if assert.NoError(t, err) {
				statuses[i] = res.StatusCode
				res.Body.Close()
			}
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			ok++
		}
	}
	assert.Equal(t, 1, ok, "statuses: %v", statuses)
}

func TestRedisOutageFailsClosedAndRevocationsSurviveARestart(t *testing.T) {
	srv := startRedis(t, true)
	a := newInstance(t, srv.client())
	valid, _ := a.login(t, "alice")
	revoked, _ := a.login(t, "bob")
	require.Equal(t, http.StatusOK, a.call(t, "POST", "/logout", revoked).status)
	require.Equal(t, http.StatusUnauthorized, a.call(t, "GET", "/protected", revoked).status)

	// Requests flow while Redis dies.
	var mu sync.Mutex
	seen := map[string]map[int]int{"valid": {}, "revoked": {}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				kind, tok := "valid", valid
				if (g+i)%2 == 1 {
					kind, tok = "revoked", revoked
				}
				status := a.call(t, "GET", "/protected", tok).status
				mu.Lock()
				seen[kind][status]++
				mu.Unlock()
			}
		})
	}
	time.Sleep(100 * time.Millisecond)
	srv.kill()
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	assert.Zero(t, seen["revoked"][http.StatusOK], "a revoked token was let through: %v", seen)
	for kind, statuses := range seen {
		for status := range statuses {
			assert.Contains(t, []int{200, 401, 503}, status, "%s: %v", kind, seen)
		}
	}

	// While Redis is down every protected request answers 503, in time.
	for _, tok := range []string{valid, revoked} {
		start := time.Now()
		res := a.call(t, "GET", "/protected", tok)
		took := time.Since(start)
		assert.Equal(t, http.StatusServiceUnavailable, res.status)
		assert.Equal(t, "auth_unavailable", res.body["error"])
		assert.NotContains(t, res.body["msg"], "redis")
		assert.Less(t, took, storeTimeout+time.Second, "answered within the bound")
	}
	assert.Equal(t, 1, strings.Count(a.log.String(), "revocation store unavailable"),
		"one log line for the incident:\n%s", a.log.String())

	// Redis comes back with its data: the revocation still holds.
	srv.restart()
	require.Eventually(t, func() bool {
		return a.call(t, "GET", "/protected", valid).status == http.StatusOK
	}, 5*time.Second, 50*time.Millisecond)
	res := a.call(t, "GET", "/protected", revoked)
	assert.Equal(t, http.StatusUnauthorized, res.status)
	assert.Equal(t, "token_revoked", res.body["error"])
	assert.Contains(t, a.log.String(), "revocation store answers again")
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
