package main

import (
	"crypto/subtle"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginjwt/ginjwt"
)

//go:embed web/index.html
var page []byte

// appConfig is what the example app is built from.
type appConfig struct {
	Secret []byte
	Logger *slog.Logger
	// Now is the clock; tests move it. Default time.Now.
	Now func() time.Time
	// Store holds revocations. Default: ginjwt's memory store.
	Store ginjwt.Store
	// Rotate turns refresh-token rotation on.
	Rotate bool
}

// user is a demo account.
type user struct {
	password string
	role     string
}

// users are the demo accounts; a real application checks a database and
// stores password hashes, never passwords.
var users = map[string]user{
	"alice": {password: "alice-password", role: "user"},
	"bob":   {password: "bob-password", role: "admin"},
}

// claims are the example's custom claims.
type claims struct {
	ginjwt.Claims
	Role string `json:"role"`
}

// newApp builds the example's engine.
func newApp(cfg appConfig) (*gin.Engine, error) {
	auth, err := ginjwt.NewAuth(ginjwt.Config{
		Keys: []ginjwt.Key{{Algorithm: "HS256", Secret: cfg.Secret}},
		Locations: []ginjwt.Location{
			ginjwt.FromHeader("Authorization", "Bearer"),
			ginjwt.FromCookie(),
		},
		Cookies: ginjwt.CookieConfig{
			// The example serves plain HTTP; behind TLS keep cookies Secure.
			Insecure:    true,
			RefreshPath: "/refresh",
		},
		NewClaims:           func() ginjwt.Claimer { return new(claims) },
		RotateRefreshTokens: cfg.Rotate,
		Store:               cfg.Store,
		Now:                 cfg.Now,
		Logger:              cfg.Logger,
	})
	if err != nil {
		return nil, err
	}

	r := gin.New()
	if err := r.SetTrustedProxies(nil); err != nil {
		return nil, err
	}
	r.Use(gin.Logger(), auth.Recovery())

	r.GET("/", func(c *gin.Context) {
		c.Header("Content-Security-Policy", "default-src 'self'; "+
			"script-src 'unsafe-inline'; style-src 'unsafe-inline'")
		c.Data(http.StatusOK, "text/html; charset=utf-8", page)
	})
	r.POST("/login", login(auth))
	r.POST("/refresh", auth.RefreshHandler())
	r.POST("/logout", auth.LogoutHandler())

	r.GET("/protected", auth.Middleware(), identity)
	r.POST("/protected", auth.Middleware(), identity)
	r.GET("/optional", auth.Middleware(ginjwt.Optional()), identity)
	r.GET("/fresh", auth.Middleware(ginjwt.FreshOnly()), identity)

	admin := r.Group("/admin", auth.Middleware(ginjwt.Allow(func(c *claims) bool {
		return c.Role == "admin"
	})))
	admin.GET("/stats", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"users": len(users)})
	})

	demo := r.Group("/demo", auth.Middleware())
	demo.GET("/panic-auth", func(*gin.Context) {
		// Deep in a call stack, an auth problem surfaces as a panic.
		panic(fmt.Errorf("loading the report: %w", ginjwt.ErrTokenExpired))
	})
	demo.GET("/panic", func(*gin.Context) {
		var counts map[string]int
		counts["boom"]++ // a plain bug: assignment to a nil map
	})
	return r, nil
}

// login checks the demo credentials and starts a session.
func login(auth *ginjwt.Auth) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in struct {
			Username string `json:"username"`
			Password string `json:"password"`
		}
		if err := c.ShouldBindJSON(&in); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": "bad_request",
				"msg": `Expected {"username": ..., "password": ...}`})
			return
		}
		u, ok := users[in.Username]
		if !ok || subtle.ConstantTimeCompare([]byte(in.Password), []byte(u.password)) != 1 {
			c.JSON(http.StatusUnauthorized, gin.H{"error": "bad_credentials",
				"msg": "Bad username or password"})
			return
		}
		err := auth.Login(c, in.Username, ginjwt.WithClaims(&claims{Role: u.role}))
		if err != nil {
			_ = c.Error(errors.Join(errors.New("login"), err))
		}
	}
}

// identity answers the caller's identity, null when anonymous.
func identity(c *gin.Context) {
	if id, ok := ginjwt.Identity(c); ok {
		c.JSON(http.StatusOK, gin.H{"identity": id})
		return
	}
	c.JSON(http.StatusOK, gin.H{"identity": nil})
}
