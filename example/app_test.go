package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testApp(t *testing.T) *gin.Engine {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	app, err := newApp(appConfig{
		Secret: []byte("example-test-secret-of-32-bytes!"),
		Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	gin.DefaultWriter = io.Discard
	return app
}

type result struct {
	status int
	body   map[string]any
	resp   *http.Response
}

func do(t *testing.T, app http.Handler, req *http.Request) result {
	t.Helper()
	w := httptest.NewRecorder()
	app.ServeHTTP(w, req)
	res := result{status: w.Code, resp: w.Result()}
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &res.body), w.Body.String())
	}
	return res
}

func loginAs(t *testing.T, app http.Handler, user, password string) result {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/login",
		strings.NewReader(`{"username":"`+user+`","password":"`+password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	return do(t, app, req)
}

func TestRoutes(t *testing.T) {
	app := testApp(t)
	alice := loginAs(t, app, "alice", "alice-password")
	require.Equal(t, http.StatusOK, alice.status)
	bob := loginAs(t, app, "bob", "bob-password")
	aliceToken := alice.body["access_token"].(string)
	bobToken := bob.body["access_token"].(string)

	refreshed := do(t, app, withBearer(httptest.NewRequest(http.MethodPost, "/refresh", nil),
		alice.body["refresh_token"].(string)))
	require.Equal(t, http.StatusOK, refreshed.status)
	stale := refreshed.body["access_token"].(string)

	tests := []struct {
		name, method, path, token string
		status                    int
		body                      string
	}{
		{"protected", "GET", "/protected", aliceToken, 200, `{"identity":"alice"}`},
		{"protected without token", "GET", "/protected", "", 401, ""},
		{"optional, anonymous", "GET", "/optional", "", 200, `{"identity":null}`},
		{"optional, signed in", "GET", "/optional", aliceToken, 200, `{"identity":"alice"}`},
		{"fresh with a login token", "GET", "/fresh", aliceToken, 200, `{"identity":"alice"}`},
		{"fresh with a refreshed token", "GET", "/fresh", stale, 401,
			`{"error":"fresh_token_required","msg":"Fresh token required"}`},
		{"admin as admin", "GET", "/admin/stats", bobToken, 200, `{"users":2}`},
		{"admin as user", "GET", "/admin/stats", aliceToken, 403,
			`{"error":"forbidden","msg":"Forbidden"}`},
		{"auth panic", "GET", "/demo/panic-auth", aliceToken, 401,
			`{"error":"token_expired","msg":"Token has expired"}`},
		{"plain panic", "GET", "/demo/panic", aliceToken, 500,
			`{"error":"internal_error","msg":"Internal Server Error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.token != "" {
				withBearer(req, tt.token)
			}
			w := httptest.NewRecorder()
			app.ServeHTTP(w, req)
			assert.Equal(t, tt.status, w.Code)
			if tt.body != "" {
				assert.JSONEq(t, tt.body, w.Body.String())
			}
		})
	}
}

func withBearer(req *http.Request, token string) *http.Request {
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

func TestBadLogins(t *testing.T) {
	app := testApp(t)
	for _, in := range [][2]string{{"alice", "wrong"}, {"mallory", "alice-password"}, {"", ""}} {
		res := loginAs(t, app, in[0], in[1])
		assert.Equal(t, http.StatusUnauthorized, res.status)
		assert.Equal(t, "bad_credentials", res.body["error"])
	}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("not json"))
	assert.Equal(t, http.StatusBadRequest, do(t, app, req).status)
}

// The cookie flow the page at / runs, request by request.
func TestCookieFlow(t *testing.T) {
	app := testApp(t)
	jar := map[string]*http.Cookie{}
	keep := func(res result) result {
		for _, c := range res.resp.Cookies() {
			if c.MaxAge < 0 {
				delete(jar, c.Name)
			} else {
				jar[c.Name] = c
			}
		}
		return res
	}
	send := func(method, path, csrfCookie string) result {
		req := httptest.NewRequest(method, path, nil)
		for _, c := range jar {
			if strings.HasPrefix(path, c.Path) {
				req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
			}
		}
		if csrfCookie != "" && jar[csrfCookie] != nil {
			req.Header.Set("X-CSRF-TOKEN", jar[csrfCookie].Value)
		}
		return keep(do(t, app, req))
	}

	keep(loginAs(t, app, "alice", "alice-password"))
	require.Contains(t, jar, "access_token_cookie")
	assert.True(t, jar["access_token_cookie"].HttpOnly)
	assert.False(t, jar["csrf_access_token"].HttpOnly)
	assert.Equal(t, "/refresh", jar["refresh_token_cookie"].Path)

	assert.Equal(t, 200, send("GET", "/protected", "").status)
	assert.Equal(t, 200, send("POST", "/protected", "csrf_access_token").status)
	res := send("POST", "/protected", "")
	assert.Equal(t, 403, res.status)
	assert.Equal(t, "csrf_failed", res.body["error"])
	assert.Equal(t, 200, send("POST", "/refresh", "csrf_refresh_token").status)
	assert.Equal(t, 200, send("GET", "/protected", "").status)

	revoked := jar["access_token_cookie"].Value
	assert.Equal(t, 200, send("POST", "/logout", "csrf_access_token").status)
	assert.NotContains(t, jar, "access_token_cookie")
	assert.Equal(t, 401, send("GET", "/protected", "").status)

	req := httptest.NewRequest(http.MethodGet, "/protected", nil)
	req.AddCookie(&http.Cookie{Name: "access_token_cookie", Value: revoked})
	res = do(t, app, req)
	assert.Equal(t, "token_revoked", res.body["error"], "a token kept after logout is refused")
}

func TestPage(t *testing.T) {
	app := testApp(t)
	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), "window.demo")
	assert.Contains(t, w.Header().Get("Content-Security-Policy"), "default-src 'self'")
}
