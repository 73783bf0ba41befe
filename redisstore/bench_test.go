package redisstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginjwt/ginjwt"
	"github.com/ginjwt/ginjwt/redisstore"
	"github.com/stretchr/testify/require"
)

// BenchmarkRevocationCheck measures what the revocation check adds to a
// protected request: the same request and token with no lookup, against
// the memory store, and against Redis on loopback.
func BenchmarkRevocationCheck(b *testing.B) {
	srv := startRedis(b, false)
	stores := []struct {
		name  string
		store ginjwt.Store
		skip  bool
	}{
		{"store=none", nil, true},
		{"store=memory", ginjwt.NewMemoryStore(ginjwt.MemoryStoreConfig{}), false},
		{"store=redis", redisstore.New(srv.client(), redisstore.Config{}), false},
	}
	gin.SetMode(gin.ReleaseMode)
	for _, s := range stores {
		b.Run(s.name, func(b *testing.B) {
			auth, err := ginjwt.NewAuth(ginjwt.Config{
				Keys:  []ginjwt.Key{{Algorithm: "HS256", Secret: secret}},
				Store: s.store,
			})
			require.NoError(b, err)
			var opts []ginjwt.Option
			if s.skip {
				opts = append(opts, ginjwt.SkipRevocationCheck())
			}
			r := gin.New()
			r.GET(
				"/p",
				auth.Middleware(opts...),
				func(c *gin.Context) { c.Status(http.StatusNoContent) },
			)
			token, err := auth.NewAccessToken("alice")
			require.NoError(b, err)
			req := httptest.NewRequest(http.MethodGet, "/p", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			require.Equal(b, http.StatusNoContent, w.Code)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				r.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}

// BenchmarkRevoked measures one lookup of a token ID and its family.
func BenchmarkRevoked(b *testing.B) {
	srv := startRedis(b, false)
	ctx := context.Background()
	for _, s := range []struct {
		name  string
		store ginjwt.Store
	}{
		{"store=memory", ginjwt.NewMemoryStore(ginjwt.MemoryStoreConfig{})},
		{"store=redis", redisstore.New(srv.client(), redisstore.Config{})},
	} {
		b.Run(s.name, func(b *testing.B) {
			_, err := s.store.Revoke(ctx, "family", time.Now().Add(time.Hour))
			require.NoError(b, err)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.store.Revoked(ctx, "jti", "other-family"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
