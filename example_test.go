package ginjwt_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginjwt/ginjwt"
	"github.com/golang-jwt/jwt/v5"
)

// secret is an HS256 secret for the examples: 32 random bytes in real
// life, from a secret store.
var secret = []byte("an-example-secret-of-32-bytes!!!")

// show prints the status and body of a request through h.
func show(h http.Handler, req *http.Request) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(strings.TrimSpace(fmt.Sprint(w.Code, " ", w.Body.String())))
}

func bearer(req *http.Request, token string) *http.Request {
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

func Example() {
	gin.SetMode(gin.ReleaseMode)
	auth, err := ginjwt.NewAuth(ginjwt.Config{
		Keys: []ginjwt.Key{{Algorithm: "HS256", Secret: secret}},
	})
	if err != nil {
		panic(err)
	}
	r := gin.New()
	r.Use(auth.Recovery())
	r.GET("/me", auth.Middleware(), func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"id": ginjwt.MustIdentity(c)})
	})

	token, _ := auth.NewAccessToken("alice")
	show(r, bearer(httptest.NewRequest("GET", "/me", nil), token))
	show(r, httptest.NewRequest("GET", "/me", nil))
	show(r, bearer(httptest.NewRequest("GET", "/me", nil), "not-a-token"))
	// Output:
	// 200 {"id":"alice"}
	// 401 {"error":"missing_token","msg":"Missing Authorization Header"}
	// 401 {"error":"token_malformed","msg":"Malformed token"}
}

func ExampleNew() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(ginjwt.Recovery())
	// New builds a middleware straight from a Config, and panics if the
	// Config is wrong: fine at start-up.
	api := r.Group("/api", ginjwt.New(ginjwt.Config{
		Keys: []ginjwt.Key{{Algorithm: "HS256", Secret: secret}},
	}))
	api.GET("/reports", func(c *gin.Context) { c.Status(http.StatusOK) })

	show(r, httptest.NewRequest("GET", "/api/reports", nil))
	// Output: 401 {"error":"missing_token","msg":"Missing Authorization Header"}
}

func ExampleRecovery() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(ginjwt.RecoveryWith(ginjwt.RecoveryConfig{
		Logger: slog.New(slog.DiscardHandler), // stacks go here
	}))
	r.GET("/report", func(c *gin.Context) {
		// An auth problem deep in a call stack, as golang-jwt reports it.
		panic(fmt.Errorf("loading the report: %w", jwt.ErrTokenExpired))
	})
	r.GET("/bug", func(c *gin.Context) {
		var m map[string]int
		m["x"]++
	})
	show(r, httptest.NewRequest("GET", "/report", nil))
	show(r, httptest.NewRequest("GET", "/bug", nil))
	// Output:
	// 401 {"error":"token_expired","msg":"Token has expired"}
	// 500 {"error":"internal_error","msg":"Internal Server Error"}
}

// AppClaims are an application's own claims, next to ginjwt's.
type AppClaims struct {
	ginjwt.Claims
	Role string `json:"role"`
}

func ExampleAllow() {
	gin.SetMode(gin.ReleaseMode)
	auth, _ := ginjwt.NewAuth(ginjwt.Config{
		Keys:      []ginjwt.Key{{Algorithm: "HS256", Secret: secret}},
		NewClaims: func() ginjwt.Claimer { return new(AppClaims) },
	})
	r := gin.New()
	admins := r.Group("/admin", auth.Middleware(ginjwt.Allow(func(c *AppClaims) bool {
		return c.Role == "admin"
	})))
	admins.GET("/stats", func(c *gin.Context) {
		claims := ginjwt.MustClaims[*AppClaims](c)
		c.JSON(http.StatusOK, gin.H{"role": claims.Role})
	})

	bob, _ := auth.NewAccessToken("bob", ginjwt.WithClaims(&AppClaims{Role: "admin"}))
	alice, _ := auth.NewAccessToken("alice", ginjwt.WithClaims(&AppClaims{Role: "user"}))
	show(r, bearer(httptest.NewRequest("GET", "/admin/stats", nil), bob))
	show(r, bearer(httptest.NewRequest("GET", "/admin/stats", nil), alice))
	// Output:
	// 200 {"role":"admin"}
	// 403 {"error":"forbidden","msg":"Forbidden"}
}

func ExampleOptional() {
	gin.SetMode(gin.ReleaseMode)
	auth, _ := ginjwt.NewAuth(ginjwt.Config{
		Keys: []ginjwt.Key{{Algorithm: "HS256", Secret: secret}},
	})
	r := gin.New()
	r.GET("/feed", auth.Middleware(ginjwt.Optional()), func(c *gin.Context) {
		if id, ok := ginjwt.Identity(c); ok {
			c.String(http.StatusOK, "feed of "+id)
			return
		}
		c.String(http.StatusOK, "public feed")
	})
	token, _ := auth.NewAccessToken("alice")
	show(r, httptest.NewRequest("GET", "/feed", nil))
	show(r, bearer(httptest.NewRequest("GET", "/feed", nil), token))
	// A token that is present but bad still fails.
	show(r, bearer(httptest.NewRequest("GET", "/feed", nil), "x.y.z"))
	// Output:
	// 200 public feed
	// 200 feed of alice
	// 401 {"error":"token_malformed","msg":"Malformed token"}
}

func ExampleFreshOnly() {
	gin.SetMode(gin.ReleaseMode)
	auth, _ := ginjwt.NewAuth(ginjwt.Config{
		Keys: []ginjwt.Key{{Algorithm: "HS256", Secret: secret}},
	})
	r := gin.New()
	r.POST("/password", auth.Middleware(ginjwt.FreshOnly()), func(c *gin.Context) {
		c.Status(http.StatusNoContent)
	})
	fresh, _ := auth.NewAccessToken("alice", ginjwt.AsFresh())
	stale, _ := auth.NewAccessToken("alice")
	show(r, bearer(httptest.NewRequest("POST", "/password", nil), fresh))
	show(r, bearer(httptest.NewRequest("POST", "/password", nil), stale))
	// Output:
	// 204
	// 401 {"error":"fresh_token_required","msg":"Fresh token required"}
}

func ExampleErrorConfig() {
	gin.SetMode(gin.ReleaseMode)
	auth, _ := ginjwt.NewAuth(ginjwt.Config{
		Keys: []ginjwt.Key{{Algorithm: "HS256", Secret: secret}},
		Errors: ginjwt.ErrorConfig{
			MessageKey: "message",
			Responses: map[error]ginjwt.Response{
				ginjwt.ErrMissingToken: {Message: "Log in"},
			},
		},
	})
	r := gin.New()
	r.GET("/me", auth.Middleware(), func(c *gin.Context) {})
	r.GET("/problem", auth.Middleware(ginjwt.OnError(
		ginjwt.ProblemJSON("/errors/"))), func(c *gin.Context) {})
	r.GET("/custom", auth.Middleware(ginjwt.OnError(func(c *gin.Context, err *ginjwt.Error) {
		c.JSON(err.Status, gin.H{"ok": false, "reason": err.Code})
	})), func(c *gin.Context) {})

	show(r, httptest.NewRequest("GET", "/me", nil))
	show(r, httptest.NewRequest("GET", "/problem", nil))
	show(r, httptest.NewRequest("GET", "/custom", nil))
	// Output:
	// 401 {"error":"missing_token","message":"Log in"}
	// 401 {"type":"/errors/missing_token","title":"Log in","status":401,"error":"missing_token"}
	// 401 {"ok":false,"reason":"missing_token"}
}

func ExampleAuth_Login() {
	gin.SetMode(gin.ReleaseMode)
	auth, _ := ginjwt.NewAuth(ginjwt.Config{
		Keys: []ginjwt.Key{{Algorithm: "HS256", Secret: secret}},
		Locations: []ginjwt.Location{
			ginjwt.FromHeader("Authorization", "Bearer"),
			ginjwt.FromCookie(),
		},
		Cookies: ginjwt.CookieConfig{RefreshPath: "/auth", OnlyCookies: true},
	})
	r := gin.New()
	r.POST("/auth/login", func(c *gin.Context) {
		// Check the user's password first; then:
		_ = auth.Login(c, "alice")
	})
	r.POST("/auth/refresh", auth.RefreshHandler())
	r.POST("/auth/logout", auth.LogoutHandler())

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("POST", "/auth/login", nil))
	for _, c := range w.Result().Cookies() {
		fmt.Printf("%s path=%s httpOnly=%v secure=%v maxAge=%d\n",
			c.Name, c.Path, c.HttpOnly, c.Secure, c.MaxAge)
	}
	// Output:
	// access_token_cookie path=/ httpOnly=true secure=true maxAge=900
	// csrf_access_token path=/ httpOnly=false secure=true maxAge=900
	// refresh_token_cookie path=/auth httpOnly=true secure=true maxAge=2592000
	// csrf_refresh_token path=/ httpOnly=false secure=true maxAge=2592000
}

func ExampleAuth_NewAccessToken() {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	auth, _ := ginjwt.NewAuth(ginjwt.Config{
		Keys:      []ginjwt.Key{{ID: "2026-12", Algorithm: "HS256", Secret: secret}},
		Issuer:    "https://auth.example.com",
		NewClaims: func() ginjwt.Claimer { return new(AppClaims) },
		Now:       func() time.Time { return now },
	})
	token, err := auth.NewAccessToken("alice", ginjwt.AsFresh(),
		ginjwt.WithClaims(&AppClaims{Role: "admin"}))
	if err != nil {
		panic(err)
	}
	// Handlers and tests can check what a token says with golang-jwt.
	claims := new(AppClaims)
	_, _, _ = jwt.NewParser().ParseUnverified(token, claims)
	fmt.Println(claims.Subject, claims.Role, claims.Type, claims.Fresh.Fresh,
		claims.ExpiresAt.Sub(now), claims.Issuer)
	// Output: alice admin access true 15m0s https://auth.example.com
}

func ExampleAsError() {
	err := fmt.Errorf("loading the report: %w", jwt.ErrTokenExpired)
	if e, ok := ginjwt.AsError(err); ok {
		fmt.Println(e.Code, e.Status, errors.Is(e, ginjwt.ErrTokenExpired))
	}
	// Output: token_expired 401 true
}
