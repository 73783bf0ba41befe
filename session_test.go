package ginjwt

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sessionApp serves the routes of a typical application.
func sessionApp(a *Auth) *gin.Engine {
	r := gin.New()
	r.POST("/login", func(c *gin.Context) {
		_ = a.Login(c, "alice", WithClaims(&appClaims{Role: "admin"}))
	})
	r.POST("/refresh", a.RefreshHandler())
	r.POST("/logout", a.LogoutHandler())
	r.GET("/protected", a.Middleware(), func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"role": MustClaims[*appClaims](c).Role})
	})
	r.GET("/fresh", a.Middleware(FreshOnly()), func(c *gin.Context) { c.Status(http.StatusOK) })
	r.POST("/change", a.Middleware(), func(c *gin.Context) { c.Status(http.StatusOK) })
	return r
}

func sessionAuth(t *testing.T, clock *testClock, edit func(*Config)) *Auth {
	return cookieAuth(t, func(c *Config) {
		c.NewClaims = func() Claimer { return new(appClaims) }
		c.Now = clock.Now
		c.Store = NewMemoryStore(MemoryStoreConfig{Now: clock.Now})
		if edit != nil {
			edit(c)
		}
	})
}

func post(path, authorization string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return req
}

func login(t *testing.T, r http.Handler) TokenPair {
	t.Helper()
	res := serve(t, r, post("/login", ""))
	require.Equal(t, http.StatusOK, res.Status, res.Raw)
	return TokenPair{AccessToken: res.Body["access_token"].(string),
		RefreshToken: res.Body["refresh_token"].(string)}
}

func TestRefreshHandler(t *testing.T) {
	clock := newClock()
	a := sessionAuth(t, clock, nil)
	r := sessionApp(a)
	pair := login(t, r)

	assert.Equal(t, 200, serve(t, r, get("/fresh", bearer(pair.AccessToken))).Status)

	res := serve(t, r, post("/refresh", bearer(pair.RefreshToken)))
	require.Equal(t, http.StatusOK, res.Status, res.Raw)
	fresh, _ := res.Body["access_token"].(string)
	require.NotEmpty(t, fresh)
	assert.NotContains(t, res.Body, "refresh_token", "no rotation by default")
	payload := decodePayload(t, fresh)
	assert.NotContains(t, payload, "fresh", "a refreshed token is not fresh")
	assert.Equal(t, "admin", payload["role"], "custom claims carry over")
	assert.Equal(t, decodePayload(t, pair.RefreshToken)["fam"], payload["fam"])
	assert.Contains(t, cookiesOf(res), "access_token_cookie")

	tests := []struct {
		name, method, path, token string
		status                    int
		code                      string
	}{
		{"refreshed token on a protected route", "GET", "/protected", fresh, 200, ""},
		{
			"refreshed token on a fresh-only route",
			"GET",
			"/fresh",
			fresh,
			401,
			"fresh_token_required",
		},
		{
			"access token at refresh",
			"POST",
			"/refresh",
			pair.AccessToken,
			401,
			"wrong_token_type",
		},
		{
			"refresh token on a protected route",
			"GET",
			"/protected",
			pair.RefreshToken,
			401,
			"wrong_token_type",
		},
		{"nothing at refresh", "POST", "/refresh", "", 401, "missing_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(t, r, withBearer(tt.method, tt.path, tt.token))
			assert.Equal(t, tt.status, res.Status, res.Raw)
			assert.Equal(t, tt.code, res.code())
		})
	}
}

func TestRefreshWithCookies(t *testing.T) {
	clock := newClock()
	a := sessionAuth(t, clock, func(c *Config) { c.Cookies.OnlyCookies = true })
	r := sessionApp(a)
	res := serve(t, r, post("/login", ""))
	cookies := cookiesOf(res)
	refreshCookie := cookies["refresh_token_cookie"]
	csrf := cookies["csrf_refresh_token"].Value

	req := post("/refresh", "")
	req.AddCookie(refreshCookie)
	assert.Equal(t, "csrf_failed", serve(t, r, req).code(), "cookie refresh needs CSRF")

	req = post("/refresh", "")
	req.AddCookie(refreshCookie)
	req.Header.Set("X-CSRF-TOKEN", cookies["csrf_access_token"].Value)
	assert.Equal(
		t,
		"csrf_failed",
		serve(t, r, req).code(),
		"the access CSRF value is not the refresh one",
	)

	req = post("/refresh", "")
	req.AddCookie(refreshCookie)
	req.Header.Set("X-CSRF-TOKEN", csrf)
	res = serve(t, r, req)
	require.Equal(t, http.StatusOK, res.Status, res.Raw)
	assert.Empty(t, res.Body, "OnlyCookies keeps tokens out of the body")
	assert.Contains(t, cookiesOf(res), "access_token_cookie")
	assert.Contains(t, cookiesOf(res), "csrf_access_token")
}

func TestLogoutRevokes(t *testing.T) {
	for _, flow := range []string{"header", "cookie"} {
		t.Run(flow, func(t *testing.T) {
			clock := newClock()
			a := sessionAuth(t, clock, nil)
			r := sessionApp(a)
			res := serve(t, r, post("/login", ""))
			cookies := cookiesOf(res)
			pair := TokenPair{AccessToken: res.Body["access_token"].(string),
				RefreshToken: res.Body["refresh_token"].(string)}

			authed := func(req *http.Request) *http.Request {
				if flow == "header" {
					req.Header.Set("Authorization", bearer(pair.AccessToken))
					return req
				}
				req.AddCookie(cookies["access_token_cookie"])
				req.Header.Set("X-CSRF-TOKEN", cookies["csrf_access_token"].Value)
				return req
			}
			require.Equal(t, 200, serve(t, r, authed(get("/protected", ""))).Status)
			res = serve(t, r, authed(post("/logout", "")))
			require.Equal(t, http.StatusOK, res.Status, res.Raw)
			assert.JSONEq(t, `{"msg":"Logged out"}`, res.Raw)

			res = serve(t, r, authed(get("/protected", "")))
			assert.Equal(t, http.StatusUnauthorized, res.Status)
			assert.Equal(t, "token_revoked", res.code())
			res = serve(t, r, post("/refresh", bearer(pair.RefreshToken)))
			assert.Equal(
				t,
				"token_revoked",
				res.code(),
				"the session's refresh token dies with it",
			)

			// Once the tokens could no longer verify anyway, the entries go.
			clock.Advance(31 * 24 * time.Hour)
			store := a.store.(*MemoryStore)
			_, err := store.Revoke(t.Context(), "other", clock.Now().Add(time.Hour))
			require.NoError(t, err)
			store.mu.Lock()
			store.sweep(clock.Now().UnixNano())
			store.mu.Unlock()
			assert.Equal(t, 1, store.Len())
		})
	}
}

func TestLogoutEdgeCases(t *testing.T) {
	clock := newClock()
	a := sessionAuth(t, clock, nil)
	r := sessionApp(a)
	pair := login(t, r)

	res := serve(t, r, post("/logout", ""))
	assert.Equal(t, http.StatusOK, res.Status, "nothing to revoke is still a logout")

	res = serve(t, r, post("/logout", "Bearer a b"))
	assert.Equal(t, "invalid_request", res.code())

	cookie := httptest.NewRequest(http.MethodPost, "/logout", nil)
	cookie.AddCookie(&http.Cookie{Name: "access_token_cookie", Value: pair.AccessToken})
	res = serve(t, r, cookie)
	assert.Equal(t, "csrf_failed", res.code(), "a cross-site logout is refused")
	assert.Empty(t, cookiesOf(res), "and unsets nothing")

	// A refresh token sent next to the access token is revoked too.
	other := newAuth(t, func(c *Config) { c.Store = a.store; c.Now = clock.Now })
	lone := refresh(t, other, "alice") // issued alone: no family
	body := httptest.NewRequest(http.MethodPost, "/logout",
		strings.NewReader(`{"refresh_token":"`+lone+`"}`))
	body.Header.Set("Content-Type", "application/json")
	body.Header.Set("Authorization", bearer(access(t, other, "alice")))
	require.Equal(t, http.StatusOK, serve(t, r, body).Status)
	assert.Equal(t, "token_revoked", serve(t, r, post("/refresh", bearer(lone))).code())
}

func TestImplicitRefresh(t *testing.T) {
	clock := newClock()
	a := sessionAuth(t, clock, nil)
	r := gin.New()
	r.GET("/p", a.Middleware(), a.ImplicitRefresh(5*time.Minute), func(c *gin.Context) {
		c.Status(http.StatusOK)
	})
	token, _ := session(t, a)
	header := access(t, a, "alice")
	withCookie := func() *http.Request {
		req := get("/p", "")
		req.AddCookie(&http.Cookie{Name: "access_token_cookie", Value: token})
		return req
	}

	res := serve(t, r, withCookie())
	assert.Empty(t, cookiesOf(res), "outside the window")

	clock.Advance(11 * time.Minute) // four minutes left
	res = serve(t, r, withCookie())
	require.Equal(t, http.StatusOK, res.Status)
	renewed := cookiesOf(res)["access_token_cookie"]
	require.NotNil(t, renewed, "inside the window")
	payload := decodePayload(t, renewed.Value)
	assert.EqualValues(t, clock.Now().Add(15*time.Minute).Unix(), payload["exp"])
	assert.NotContains(t, payload, "fresh")
	assert.Equal(t, payload["csrf"], cookiesOf(res)["csrf_access_token"].Value)

	res = serve(t, r, get("/p", bearer(header)))
	assert.Empty(t, cookiesOf(res), "header tokens are not cookies")

	clock.Advance(5 * time.Minute) // expired
	res = serve(t, r, withCookie())
	assert.Equal(t, "token_expired", res.code())
	assert.Empty(t, cookiesOf(res), "an expired token is never re-issued")
}

func TestRefreshRotation(t *testing.T) {
	clock := newClock()
	a := sessionAuth(t, clock, func(c *Config) { c.RotateRefreshTokens = true })
	r := sessionApp(a)
	pair := login(t, r)

	res := serve(t, r, post("/refresh", bearer(pair.RefreshToken)))
	require.Equal(t, http.StatusOK, res.Status, res.Raw)
	next, _ := res.Body["refresh_token"].(string)
	require.NotEmpty(t, next, "a new refresh token")
	newAccess := res.Body["access_token"].(string)
	assert.Equal(t, decodePayload(t, pair.RefreshToken)["fam"], decodePayload(t, next)["fam"])

	res = serve(t, r, post("/refresh", bearer(next)))
	require.Equal(t, http.StatusOK, res.Status, "the new one works once")
	latest := res.Body["refresh_token"].(string)

	// The retired first token comes back: the whole session is revoked.
	res = serve(t, r, post("/refresh", bearer(pair.RefreshToken)))
	assert.Equal(t, "token_revoked", res.code())
	assert.Equal(t, "token_revoked", serve(t, r, post("/refresh", bearer(latest))).code())
	assert.Equal(t, "token_revoked", serve(t, r, get("/protected", bearer(newAccess))).code())
}

func TestConcurrentRefreshesWithOneToken(t *testing.T) {
	clock := newClock()
	a := sessionAuth(t, clock, func(c *Config) { c.RotateRefreshTokens = true })
	r := sessionApp(a)
	pair := login(t, r)

	const n = 32
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			w := httptest.NewRecorder()
			r.ServeHTTP(w, post("/refresh", bearer(pair.RefreshToken)))
			statuses[i] = w.Code
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			ok++
		} else {
			assert.Equal(t, http.StatusUnauthorized, s)
		}
	}
	assert.Equal(t, 1, ok)
}

func TestUserLoader(t *testing.T) {
	type user struct{ Name string }
	a := newAuth(t, func(c *Config) {
		c.LoadUser = func(_ *gin.Context, claims Claimer) (any, error) {
			switch sub, _ := claims.GetSubject(); sub {
			case "alice":
				return &user{Name: "Alice"}, nil
			case "gone":
				return nil, nil
			case "deleted":
				return nil, ErrUserNotFound
			}
			return nil, errors.New("database down")
		}
	})
	r := gin.New()
	r.GET("/p", a.Middleware(), func(c *gin.Context) {
		u, ok := UserFrom[*user](c)
		require.True(t, ok)
		c.String(http.StatusOK, u.Name+" "+MustUser[*user](c.Request.Context()).Name)
	})
	tests := []struct {
		sub    string
		status int
		code   string
	}{
		{"alice", 200, ""},
		{"gone", 401, "user_not_found"},
		{"deleted", 401, "user_not_found"},
		{"bob", 503, "auth_unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.sub, func(t *testing.T) {
			res := serve(t, r, get("/p", bearer(access(t, a, tt.sub))))
			assert.Equal(t, tt.status, res.Status)
			assert.Equal(t, tt.code, res.code())
			if tt.status == 200 {
				assert.Equal(t, "Alice Alice", res.Raw)
			}
		})
	}
	_, ok := UserFrom[*user](t.Context())
	assert.False(t, ok)
}

func TestSkipRevocationCheck(t *testing.T) {
	a := newAuth(t, nil)
	tok := access(t, a, "alice")
	b := decodePayload(t, tok)
	_, err := a.Revoke(t.Context(), b["jti"].(string), testNow.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, "token_revoked", serve(t, protected(a), get("/p", bearer(tok))).code())
	assert.Equal(
		t,
		200,
		serve(t, protected(a, SkipRevocationCheck()), get("/p", bearer(tok))).Status,
	)
}
