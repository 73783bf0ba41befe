package bench

import (
	"net/http"
	"strings"
	"time"

	appleboyv2 "github.com/appleboy/gin-jwt/v2"
	appleboyv3 "github.com/appleboy/gin-jwt/v3"
	"github.com/gin-gonic/gin"
	"github.com/ginjwt/ginjwt"
	"github.com/golang-jwt/jwt/v5"
)

// lib is one way of protecting the route.
type lib struct {
	name string
	// hmacOnly limits the library to HS256, the algorithm it is
	// configured for here.
	hmacOnly bool
	// middleware is nil for no authentication at all, the ceiling.
	middleware builder
}

// builder returns a library's middleware for the key of f.
type builder func(s *suite, f *fixture) (gin.HandlerFunc, error)

// libs are compared in this order. Plain ginjwt runs with its defaults,
// which include the revocation check on the memory store; next to it
// run ginjwt without that check, and ginjwt with the verified-token
// cache.
var libs = []lib{
	{name: "none"},
	{name: "floor", middleware: floor},
	{name: "ginjwt", middleware: withGinjwt(nil)},
	{name: "ginjwt-norevocation", middleware: withGinjwt(nil, ginjwt.SkipRevocationCheck())},
	{name: "ginjwt+cache", middleware: withGinjwt(func(c *ginjwt.Config) {
		c.Cache = ginjwt.CacheConfig{Entries: 1024}
	})},
	{name: "gin-jwt-v2", hmacOnly: true, middleware: appleboyV2},
	{name: "gin-jwt-v3", hmacOnly: true, middleware: appleboyV3},
}

// noContent is the handler of every engine.
func noContent(c *gin.Context) { c.Status(http.StatusNoContent) }

// newEngine returns a bare gin engine, without logger or recovery, that
// serves the route through mw when mw is not nil.
func newEngine(mw gin.HandlerFunc) *gin.Engine {
	e := gin.New()
	if mw == nil {
		e.GET(route, noContent)
	} else {
		e.GET(route, mw, noContent)
	}
	return e
}

// floorClaims is the smallest useful claims type of a hand-written
// middleware.
type floorClaims struct {
	jwt.RegisteredClaims
}

// floor is the least a correct middleware can do with golang-jwt v5: a
// parser and a key function built once, one algorithm, exp required,
// the claims stored on the context, a JSON 401 on failure.
func floor(s *suite, f *fixture) (gin.HandlerFunc, error) {
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{f.alg}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.clock),
	)
	key := f.verify
	keyfunc := func(*jwt.Token) (any, error) { return key, nil }
	return func(c *gin.Context) {
		token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || token == "" {
			c.AbortWithStatusJSON(http.StatusUnauthorized,
				gin.H{"error": "missing token"})
			return
		}
		claims := new(floorClaims)
		if _, err := parser.ParseWithClaims(token, claims, keyfunc); err != nil {
			c.AbortWithStatusJSON(http.StatusUnauthorized,
				gin.H{"error": "invalid token"})
			return
		}
		c.Set("claims", claims)
		c.Next()
	}, nil
}

// withGinjwt returns the builder of a ginjwt middleware configured with
// one key and the fixed clock, then adjusted by configure if not nil,
// with the route options opts.
func withGinjwt(configure func(*ginjwt.Config), opts ...ginjwt.Option) builder {
	return func(s *suite, f *fixture) (gin.HandlerFunc, error) {
		cfg := ginjwt.Config{Keys: []ginjwt.Key{f.key}, Now: s.clock}
		if configure != nil {
			configure(&cfg)
		}
		a, err := ginjwt.NewAuth(cfg)
		if err != nil {
			return nil, err
		}
		return a.Middleware(opts...), nil
	}
}

// appleboyV2 configures gin-jwt v2 for HS256 as its README does, minus
// the login handlers that verification does not use.
func appleboyV2(s *suite, f *fixture) (gin.HandlerFunc, error) {
	mw, err := appleboyv2.New(&appleboyv2.GinJWTMiddleware{
		Realm:       "bench",
		Key:         f.key.Secret,
		Timeout:     time.Hour,
		IdentityKey: "identity",
		TimeFunc:    s.clock,
	})
	if err != nil {
		return nil, err
	}
	return mw.MiddlewareFunc(), nil
}

// appleboyV3 is appleboyV2 for gin-jwt v3.
func appleboyV3(s *suite, f *fixture) (gin.HandlerFunc, error) {
	mw, err := appleboyv3.New(&appleboyv3.GinJWTMiddleware{
		Realm:       "bench",
		Key:         f.key.Secret,
		Timeout:     time.Hour,
		IdentityKey: "identity",
		TimeFunc:    s.clock,
	})
	if err != nil {
		return nil, err
	}
	return mw.MiddlewareFunc(), nil
}
