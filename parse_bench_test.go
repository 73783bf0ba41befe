package ginjwt

import (
	"testing"
)

// BenchmarkParse compares verifying a token with and without the
// verified-token cache, for a fast and a slow algorithm.
func BenchmarkParse(b *testing.B) {
	for _, alg := range []string{"HS256", "RS256", "ES256", "EdDSA"} {
		for _, cached := range []bool{false, true} {
			name := "alg=" + alg + "/cache=off"
			if cached {
				name = "alg=" + alg + "/cache=on"
			}
			b.Run(name, func(b *testing.B) {
				a := newAuth(b, func(c *Config) {
					c.Keys = []Key{keyFor(b, alg)}
					if cached {
						c.Cache = CacheConfig{Entries: 1024}
					}
				})
				tok := access(b, a, "alice")
				claims := a.cfg.NewClaims()
				if err := a.parse(b.Context(), tok, claims); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := a.parse(b.Context(), tok, claims); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
