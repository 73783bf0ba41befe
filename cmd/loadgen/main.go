// Command loadgen drives the example app over loopback with a mix of
// tokens and checks every answer: valid tokens of two users, expired,
// revoked, forged, malformed and missing ones. It reports requests per
// second, latency percentiles, the count of each status, every wrong
// decision, and the app's memory before and after.
//
// From the repository root:
//
//	go run ./cmd/loadgen -duration 20s
//
// builds and starts the example on a free port, with a secret of its own,
// and stops it at the end. -url targets an app already running, whose
// JWT_SECRET -secret must give.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func main() {
	duration := flag.Duration("duration", 20*time.Second, "how long to send requests")
	maxRequests := flag.Int64("requests", 2_000_000, "stop after this many requests")
	workers := flag.Int("workers", 16, "concurrent clients")
	url := flag.String("url", "", "base URL of a running example app (default: start one)")
	secret := flag.String("secret", "", "the JWT_SECRET of the app at -url")
	flag.Parse()
	if err := run(*duration, *maxRequests, *workers, *url, *secret); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(duration time.Duration, maxRequests int64, workers int, url, secret string) error {
	var app *exec.Cmd
	if url == "" {
		secret = rand.Text() + rand.Text()
		var err error
		if app, url, err = startExample(secret); err != nil {
			return err
		}
		defer func() { _ = app.Process.Kill(); _, _ = app.Process.Wait() }()
	}
	if len(secret) < 32 {
		return errors.New("-secret must be the app's JWT_SECRET (32 bytes or more)")
	}
	mix, err := newMix(url, []byte(secret))
	if err != nil {
		return err
	}
	samples := sampleRSS(app, duration)
	st := drive(url, mix, duration, maxRequests, workers)
	st.report(os.Stdout, <-samples)
	if st.wrong.Load() > 0 || st.count5xx() > 0 {
		return errors.New("wrong decisions or server errors")
	}
	return nil
}

// startExample builds the example and starts it on a free port.
func startExample(secret string) (*exec.Cmd, string, error) {
	dir, err := os.MkdirTemp("", "loadgen")
	if err != nil {
		return nil, "", err
	}
	bin := filepath.Join(dir, "example")
	build := exec.Command("go", "build", "-o", bin, "./example")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, "", fmt.Errorf("building ./example (run from the repository root): %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	addr := l.Addr().String()
	_ = l.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "ADDR="+addr, "JWT_SECRET="+secret, "GIN_MODE=release")
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	url := "http://" + addr
	for start := time.Now(); time.Since(start) < 15*time.Second; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(url + "/optional"); err == nil {
			res.Body.Close()
			return cmd, url, nil
		}
	}
	_ = cmd.Process.Kill()
	return nil, "", errors.New("the example did not start")
}

// sampleRSS samples the app's resident memory ten times over duration,
// starting now; the channel yields the samples at the end.
func sampleRSS(app *exec.Cmd, duration time.Duration) <-chan []int {
	out := make(chan []int, 1)
	go func() {
		samples := []int{rss(app)}
		for range 10 {
			time.Sleep(duration / 10)
			samples = append(samples, rss(app))
		}
		out <- samples
	}()
	return out
}

// rss returns the resident memory of a process, in KiB, or 0.
func rss(cmd *exec.Cmd) int {
	if cmd == nil {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb)
			return kb
		}
	}
	return 0
}

// probe is one kind of request and the answer it must get.
type probe struct {
	name     string
	token    string
	status   int
	identity string // for 200s
	code     string // for refusals
}

// newMix logs in, logs out, and mints the tokens of the mix.
func newMix(url string, secret []byte) ([]probe, error) {
	alice, err := login(url, "alice", "alice-password")
	if err != nil {
		return nil, err
	}
	bob, err := login(url, "bob", "bob-password")
	if err != nil {
		return nil, err
	}
	gone, err := login(url, "alice", "alice-password")
	if err != nil {
		return nil, err
	}
	req, _ := http.NewRequest(http.MethodPost, url+"/logout", nil)
	req.Header.Set("Authorization", "Bearer "+gone)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	res.Body.Close()

	now := time.Now()
	expired := mint(secret, jwt.MapClaims{"sub": "alice", "type": "access",
		"iat": now.Add(-time.Hour).Unix(), "exp": now.Add(-time.Minute).Unix()})
	forged := mint([]byte(rand.Text()+rand.Text()), jwt.MapClaims{"sub": "bob",
		"type": "access", "exp": now.Add(time.Hour).Unix()})
	return []probe{
		{"valid alice", alice, 200, "alice", ""},
		{"valid bob", bob, 200, "bob", ""},
		{"expired", expired, 401, "", "token_expired"},
		{"revoked", gone, 401, "", "token_revoked"},
		{"forged", forged, 401, "", "token_invalid"},
		{"malformed", "not.a.token", 401, "", "token_malformed"},
		{"missing", "", 401, "", "missing_token"},
	}, nil
}

func mint(secret []byte, claims jwt.MapClaims) string {
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
	if err != nil {
		panic(err) // HS256 with a []byte key always signs
	}
	return s
}

func login(url, user, password string) (string, error) {
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, user, password)
	res, err := http.Post(url+"/login", "application/json", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.AccessToken == "" {
		return "", fmt.Errorf("login as %s: status %d", user, res.StatusCode)
	}
	return out.AccessToken, nil
}

// stats collects what the workers saw.
type stats struct {
	mu        sync.Mutex
	latencies []time.Duration
	statuses  map[int]int64
	wrong     atomic.Int64
	examples  []string
	elapsed   time.Duration
}

func drive(url string, mix []probe, duration time.Duration, maxRequests int64, workers int) *stats {
	st := &stats{statuses: map[int]int64{}}
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	var sent atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			var local []time.Duration
			for i := w; ctx.Err() == nil && sent.Add(1) <= maxRequests; i++ {
				p := mix[i%len(mix)]
				took, status, ok := check(client, url, p)
				local = append(local, took)
				st.record(status, ok, p)
			}
			st.mu.Lock()
			st.latencies = append(st.latencies, local...)
			st.mu.Unlock()
		})
	}
	wg.Wait()
	st.elapsed = time.Since(start)
	return st
}

// check sends one probe and reports whether the answer was the right one.
func check(client *http.Client, url string, p probe) (time.Duration, int, bool) {
	req, _ := http.NewRequest(http.MethodGet, url+"/protected", nil)
	if p.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	start := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return time.Since(start), 0, false
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	took := time.Since(start)
	var got struct {
		Identity string `json:"identity"`
		Error    string `json:"error"`
	}
	_ = json.Unmarshal(body, &got)
	ok := res.StatusCode == p.status && got.Identity == p.identity && got.Error == p.code
	return took, res.StatusCode, ok
}

func (st *stats) record(status int, ok bool, p probe) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.statuses[status]++
	if !ok {
		st.wrong.Add(1)
		if len(st.examples) < 5 {
			st.examples = append(st.examples, fmt.Sprintf("%s: status %d", p.name, status))
		}
	}
}

func (st *stats) count5xx() int64 {
	n := int64(0)
	for s, c := range st.statuses {
		if s >= 500 || s == 0 {
			n += c
		}
	}
	return n
}

func (st *stats) report(w io.Writer, memory []int) {
	slices.Sort(st.latencies)
	pct := func(p float64) time.Duration {
		if len(st.latencies) == 0 {
			return 0
		}
		return st.latencies[int(p*float64(len(st.latencies)-1))]
	}
	n := len(st.latencies)
	fmt.Fprintf(w, "requests        %d in %v\n", n, st.elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "requests/s      %.0f\n", float64(n)/st.elapsed.Seconds())
	fmt.Fprintf(w, "latency         p50 %v  p90 %v  p99 %v  max %v\n",
		pct(.50), pct(.90), pct(.99), pct(1))
	codes := make([]int, 0, len(st.statuses))
	for s := range st.statuses {
		codes = append(codes, s)
	}
	slices.Sort(codes)
	for _, s := range codes {
		fmt.Fprintf(w, "status %-8d %d\n", s, st.statuses[s])
	}
	fmt.Fprintf(w, "wrong decisions %d\n", st.wrong.Load())
	for _, e := range st.examples {
		fmt.Fprintf(w, "  %s\n", e)
	}
	if len(memory) > 0 && memory[0] > 0 {
		fmt.Fprintf(w, "app memory KiB  %v (every tenth of the run)\n", memory)
	}
}
