package ginjwt

import (
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

// testClock is a clock tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *testClock { return &testClock{now: testNow} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// cookieAuth is an Auth that reads tokens from the header and cookies.
func cookieAuth(t *testing.T, edit func(*Config)) *Auth {
	t.Helper()
	return newAuth(t, func(c *Config) {
		c.Locations = []Location{FromHeader("Authorization", "Bearer"), FromCookie()}
		if edit != nil {
			edit(c)
		}
	})
}

// cookiesOf returns the cookies a response sets, by name.
func cookiesOf(res reply) map[string]*http.Cookie {
	out := map[string]*http.Cookie{}
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		out[c.Name] = c
	}
	return out
}

func loginApp(a *Auth) *gin.Engine {
	r := gin.New()
	r.POST("/login", func(c *gin.Context) { _ = a.Login(c, "alice") })
	r.POST("/logout", a.LogoutHandler())
	return r
}

type wantCookie struct {
	name, path string
	httpOnly   bool
	maxAge     int
}

func TestLoginCookies(t *testing.T) {
	defaults := []wantCookie{
		{"access_token_cookie", "/", true, 900},
		{"csrf_access_token", "/", false, 900},
		{"refresh_token_cookie", "/", true, 30 * 24 * 3600},
		{"csrf_refresh_token", "/", false, 30 * 24 * 3600},
	}
	tests := []struct {
		name     string
		edit     func(*Config)
		cookies  []wantCookie
		secure   bool
		sameSite http.SameSite
		domain   string
		inBody   bool
	}{
		{name: "defaults", cookies: defaults, secure: true,
			sameSite: http.SameSiteLaxMode, inBody: true},
		{name: "scoped paths and a domain",
			edit: func(c *Config) {
				c.Cookies.Path = "/api"
				c.Cookies.RefreshPath = "/auth/refresh"
				c.Cookies.Domain = "example.test"
			},
			cookies: []wantCookie{
				{"access_token_cookie", "/api", true, 900},
				{"csrf_access_token", "/api", false, 900},
				{"refresh_token_cookie", "/auth/refresh", true, 30 * 24 * 3600},
				{"csrf_refresh_token", "/api", false, 30 * 24 * 3600},
			},
			secure: true, sameSite: http.SameSiteLaxMode, domain: "example.test", inBody: true},
		{name: "insecure and strict, for development",
			edit: func(c *Config) {
				c.Cookies.Insecure = true
				c.Cookies.SameSite = http.SameSiteStrictMode
			},
			cookies: defaults, sameSite: http.SameSiteStrictMode, inBody: true},
		{name: "session cookies",
			edit: func(c *Config) { c.Cookies.Session = true },
			cookies: []wantCookie{
				{"access_token_cookie", "/", true, 0},
				{"csrf_access_token", "/", false, 0},
				{"refresh_token_cookie", "/", true, 0},
				{"csrf_refresh_token", "/", false, 0},
			},
			secure: true, sameSite: http.SameSiteLaxMode, inBody: true},
		{name: "renamed, tokens only in cookies, custom lifetimes",
			edit: func(c *Config) {
				c.Cookies = CookieConfig{AccessName: "at", RefreshName: "rt",
					CSRFAccessName: "xa", CSRFRefreshName: "xr", OnlyCookies: true}
				c.AccessLifetime = time.Minute
				c.RefreshLifetime = time.Hour
			},
			cookies: []wantCookie{
				{"at", "/", true, 60}, {"xa", "/", false, 60},
				{"rt", "/", true, 3600}, {"xr", "/", false, 3600},
			},
			secure: true, sameSite: http.SameSiteLaxMode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := cookieAuth(t, tt.edit)
			res := serve(t, loginApp(a), httptest.NewRequest(http.MethodPost, "/login", nil))
			require.Equal(t, http.StatusOK, res.Status)
			assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
			got := cookiesOf(res)
			require.Len(t, got, 4)
			for _, w := range tt.cookies {
				c := got[w.name]
				require.NotNil(t, c, w.name)
				assert.Equal(t, w.path, c.Path, w.name)
				assert.Equal(t, w.httpOnly, c.HttpOnly, w.name)
				assert.Equal(t, w.maxAge, c.MaxAge, w.name)
				assert.Equal(t, tt.secure, c.Secure, w.name)
				assert.Equal(t, tt.sameSite, c.SameSite, w.name)
				assert.Equal(t, tt.domain, c.Domain, w.name)
				assert.NotEmpty(t, c.Value, w.name)
			}
			access := got[tt.cookies[0].name].Value
			assert.Equal(t, decodePayload(t, access)["csrf"], got[tt.cookies[1].name].Value,
				"the CSRF cookie holds the token's CSRF claim")
			if tt.inBody {
				assert.Equal(t, access, res.Body["access_token"])
				assert.Equal(t, got[tt.cookies[2].name].Value, res.Body["refresh_token"])
			} else {
				assert.Empty(t, res.Body)
			}

			// Logging out expires the same cookies with the same attributes.
			out := httptest.NewRequest(http.MethodPost, "/logout", nil)
			out.Header.Set("Authorization", bearer(access))
			res = serve(t, loginApp(a), out)
			require.Equal(t, http.StatusOK, res.Status, res.Raw)
			unset := cookiesOf(res)
			for _, w := range tt.cookies {
				c := unset[w.name]
				require.NotNil(t, c, w.name)
				assert.Equal(t, w.path, c.Path, w.name)
				assert.Equal(t, w.httpOnly, c.HttpOnly, w.name)
				assert.Equal(t, -1, c.MaxAge, w.name)
				assert.Contains(t, c.Raw, "Expires=Thu, 01 Jan 1970 00:00:00 GMT", w.name)
				assert.Equal(t, tt.secure, c.Secure, w.name)
				assert.Equal(t, tt.sameSite, c.SameSite, w.name)
				assert.Empty(t, c.Value)
			}
		})
	}
}

func TestLoginWithoutCookies(t *testing.T) {
	a := newAuth(t, nil)
	res := serve(t, loginApp(a), httptest.NewRequest(http.MethodPost, "/login", nil))
	require.Equal(t, http.StatusOK, res.Status)
	assert.Empty(t, cookiesOf(res))
	access, _ := res.Body["access_token"].(string)
	assert.NotContains(t, decodePayload(t, access), "csrf", "header tokens need no CSRF claim")
	assert.Equal(t, true, decodePayload(t, access)["fresh"])
	assert.Equal(t, decodePayload(t, access)["fam"],
		decodePayload(t, res.Body["refresh_token"].(string))["fam"])
}

func TestCookieConfigIsValidated(t *testing.T) {
	hs := []Key{{Algorithm: "HS256", Secret: testSecret}}
	tests := []struct {
		name string
		c    CookieConfig
		want string
	}{
		{"bad name", CookieConfig{AccessName: "a b"}, "invalid cookie name"},
		{"relative path", CookieConfig{Path: "api"}, "must start with /"},
		{"path with separator", CookieConfig{RefreshPath: "/a;b"}, "must start with /"},
		{"bad domain", CookieConfig{Domain: "a;b"}, "invalid cookie domain"},
		{
			"SameSite=None over HTTP",
			CookieConfig{SameSite: http.SameSiteNoneMode, Insecure: true},
			"must be Secure",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewAuth(Config{Keys: hs, Cookies: tt.c})
			assert.ErrorContains(t, err, tt.want)
		})
	}
	_, err := NewAuth(
		Config{Keys: hs, CSRF: CSRFConfig{TrustedOrigins: []string{"example.test"}}},
	)
	assert.ErrorContains(t, err, "is not scheme://host[:port]")
}

func TestCookieHelpersRefuseBadTokens(t *testing.T) {
	a := cookieAuth(t, nil)
	past := newAuth(
		t,
		func(c *Config) { c.Now = func() time.Time { return testNow.Add(-time.Hour) } },
	)
	r := gin.New()
	var errs []error
	r.GET("/", func(c *gin.Context) {
		errs = append(errs, a.SetAccessCookies(c, "not.a.token"))
		errs = append(errs, a.SetAccessCookies(c, "one-part"))
		errs = append(errs, a.SetRefreshCookies(c, access(t, past, "alice")))
	})
	serve(t, r, get("/", ""))
	require.Len(t, errs, 3)
	for _, err := range errs {
		assert.Error(t, err)
	}
}

func TestCookieWarningsInDebugMode(t *testing.T) {
	var out strings.Builder
	old := gin.DefaultWriter
	gin.DefaultWriter = &out
	defer func() { gin.DefaultWriter = old }()
	withMode(t, gin.DebugMode, func() {
		cookieAuth(t, func(c *Config) {
			c.Cookies.Insecure = true
			c.CSRF.Disabled = true
		})
	})
	assert.Contains(t, out.String(), "token cookies are not Secure")
	assert.Contains(t, out.String(), "CSRF protection is off")
}
