package ginjwt

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Oversized tokens are refused by the size cap before any decoding: the
// cost of a refusal does not grow with the token.

// maxRefusalAllocs bounds the allocations of one refused request through
// a prebuilt engine, as measured: the claims value, the error, and the
// few the response headers cost. It does not depend on the token.
const maxRefusalAllocs = 5

// nullWriter is a reusable http.ResponseWriter that keeps nothing but
// the status, so that allocations counted are the middleware's.
type nullWriter struct {
	header http.Header
	status int
}

func newNullWriter() *nullWriter { return &nullWriter{header: http.Header{}} }

func (w *nullWriter) Header() http.Header         { return w.header }
func (w *nullWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nullWriter) WriteHeader(status int)      { w.status = status }

func (w *nullWriter) reset() {
	clear(w.header)
	w.status = 0
}

// assertRefusalAllocs checks that refusing req through r allocates no
// more than maxRefusalAllocs.
func assertRefusalAllocs(t *testing.T, r http.Handler, req *http.Request) {
	t.Helper()
	w := newNullWriter()
	allocs := testing.AllocsPerRun(50, func() {
		w.reset()
		r.ServeHTTP(w, req)
	})
	assert.Equal(t, http.StatusUnauthorized, w.status)
	if raceEnabled {
		return
	}
	assert.LessOrEqual(t, allocs, float64(maxRefusalAllocs))
}

// hugeTokens are tokens far over the default cap of 8 KiB.
func hugeTokens(t testing.TB) map[string]string {
	t.Helper()
	a := newAuth(t, nil)
	h, _, s := parts(t, access(t, a, "alice"))

	var claims strings.Builder
	claims.WriteString(`{"sub":"alice"`)
	for i := range 50_000 {
		claims.WriteString(`,"c` + strconv.Itoa(i) + `":0`)
	}
	claims.WriteString(`}`)
	nested := `{"sub":"alice","x":` + strings.Repeat("[", 100_000) +
		strings.Repeat("]", 100_000) + `}`

	return map[string]string{
		"a million dots":     strings.Repeat(".", 1_000_000),
		"a megabyte":         h + "." + strings.Repeat("A", 1<<20) + "." + s,
		"100k-deep nesting":  resigned(h + "." + segment(nested)),
		"50k claims":         resigned(h + "." + segment(claims.String())),
		"one byte over":      h + "." + strings.Repeat("A", 8<<10-len(h)-len(s)-1) + "." + s,
		"a megabyte of junk": strings.Repeat("\xff", 1<<20),
	}
}

func TestHugeTokensAreRefusedByTheSizeCap(t *testing.T) {
	a := newAuth(t, nil)
	for name, token := range hugeTokens(t) {
		t.Run(name, func(t *testing.T) {
			require.Greater(t, len(token), a.maxTokenSize)

			e := a.parse(context.Background(), token, new(Claims))
			require.NotNil(t, e)
			assert.ErrorIs(t, e, errTooLarge)

			res, ran := attemptToken(t, a, token)
			assertRefused(t, res, ran, CodeTokenMalformed)
			assert.Less(t, len(res.Raw), 100)

			assertRefusalAllocs(t, protected(a), get("/p", bearer(token)))
		})
	}
}

func TestTheSizeCapIsInclusive(t *testing.T) {
	token := access(t, newAuth(t, nil), "alice")
	tests := []struct {
		name string
		cap  int
		code string
	}{
		{"cap at the length", len(token), ""},
		{"cap one over", len(token) + 1, ""},
		{"cap one under", len(token) - 1, CodeTokenMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuth(t, func(c *Config) { c.MaxTokenSize = tt.cap })
			res, ran := attemptToken(t, a, token)
			if tt.code == "" {
				assertAccepted(t, res, ran, "alice")
				return
			}
			assertRefused(t, res, ran, tt.code, token)
		})
	}
}

func BenchmarkHugeToken(b *testing.B) {
	a := newAuth(b, nil)
	r := protected(a)
	for name, token := range hugeTokens(b) {
		b.Run(strings.ReplaceAll(name, " ", "-"), func(b *testing.B) {
			req := get("/p", bearer(token))
			w := newNullWriter()
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				r.ServeHTTP(w, req)
			}
			if w.status != http.StatusUnauthorized {
				b.Fatalf("status %d", w.status)
			}
		})
	}
}
