package bench

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	m.Run()
}

// target is one benchmark: a library, an algorithm and a case.
type target struct {
	name string
	lib  lib
	fix  *fixture
	tc   testCase
}

// targets lists every benchmark in the order it runs. Names read
// lib=…/alg=…/case=… so that benchstat can put libraries side by side;
// the ceiling has no algorithm and only the valid case.
func targets(s *suite) []target {
	var ts []target
	for _, l := range libs {
		if l.middleware == nil {
			ts = append(ts, target{
				name: "lib=" + l.name + "/case=valid",
				lib:  l,
				fix:  s.byAlg["HS256"],
				tc:   cases[0],
			})
			continue
		}
		for _, alg := range s.algs {
			if l.hmacOnly && alg != "HS256" {
				continue
			}
			for _, tc := range cases {
				ts = append(ts, target{
					name: "lib=" + l.name + "/alg=" + alg + "/case=" + tc.name,
					lib:  l,
					fix:  s.byAlg[alg],
					tc:   tc,
				})
			}
		}
	}
	return ts
}

// build returns the engine and the request of a target.
func (t target) build(s *suite) (http.Handler, *http.Request, error) {
	var mw gin.HandlerFunc
	if t.lib.middleware != nil {
		var err error
		if mw, err = t.lib.middleware(s, t.fix); err != nil {
			return nil, nil, err
		}
	}
	return newEngine(mw), t.fix.request(t.tc.name), nil
}

// sink is a ResponseWriter made once per benchmark and reset between
// requests. Unlike httptest.ResponseRecorder it keeps no body and makes
// no header map or buffer per request, so the allocations reported are
// those of gin and of the middleware. Header values set by the
// middleware still allocate, as they would with net/http.
type sink struct {
	header http.Header
	status int
	size   int
}

func newSink() *sink { return &sink{header: http.Header{}} }

func (w *sink) Header() http.Header { return w.header }

func (w *sink) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *sink) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.size += len(p)
	return len(p), nil
}

func (w *sink) reset() {
	clear(w.header)
	w.status, w.size = 0, 0
}

// BenchmarkAuth serves one request per iteration through the engine of
// each target. The status is checked once before timing, so that a
// broken setup fails instead of producing a fast number.
//
// Besides ns/op it reports cpu-ns/op, the CPU time of the whole process
// (garbage collection included) per request. On a shared or busy
// machine wall time swings with the neighbours' load; CPU time swings
// far less, so the ratios between libraries are steadier in it.
func BenchmarkAuth(b *testing.B) {
	s, err := fixtures()
	if err != nil {
		b.Fatal(err)
	}
	for _, t := range targets(s) {
		b.Run(t.name, func(b *testing.B) {
			h, req, err := t.build(s)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			w := newSink()
			h.ServeHTTP(w, req)
			if w.status != t.tc.want {
				b.Fatalf("status %d, want %d", w.status, t.tc.want)
			}
			cpu := cpuTime()
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, req)
			}
			if cpu := cpuTime() - cpu; cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N),
					"cpu-ns/op")
			}
		})
	}
}

// TestTargets checks the status of every target once, so that plain go
// test catches a broken setup without running benchmarks.
func TestTargets(t *testing.T) {
	s, err := fixtures()
	require.NoError(t, err)
	for _, tg := range targets(s) {
		t.Run(tg.name, func(t *testing.T) {
			h, req, err := tg.build(s)
			require.NoError(t, err)
			w := newSink()
			h.ServeHTTP(w, req)
			assert.Equal(t, tg.tc.want, w.status)
		})
	}
}
