package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Time limits. The browser part of the test, start-up included, ends
// within budget whatever the browser does; building the example depends
// on the state of the Go build cache and has a limit of its own.
const (
	budget       = 60 * time.Second
	buildTimeout = 3 * time.Minute
	startTimeout = 15 * time.Second // for the example to answer
	stepTimeout  = 10 * time.Second // for one step in the page
)

// TestCookieFlowInBrowser logs in on the example's page and uses the API
// the way a single-page app does: the token cookies are HttpOnly, so the
// page never sees a token; it reads the CSRF cookie and echoes it on
// requests that change state.
func TestCookieFlowInBrowser(t *testing.T) {
	browser := requireBrowser(t)
	base := startExample(t, buildExample(t))

	// Not from t.Context, which ends before the cleanups run: the browser
	// is closed gracefully first, and killed if it is still running when
	// the budget is spent.
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	t.Cleanup(cancel)
	page := openPage(t, ctx, browser, base+"/")

	steps := []struct {
		name   string
		js     string
		status int
		body   map[string]any // members the answer must have
	}{
		{"log in", `demo.login("alice", "alice-password")`, 200, nil},
		{"GET with the cookie", `demo.get()`, 200,
			map[string]any{"identity": "alice"}},
		{"POST with the CSRF header", `demo.post()`, 200,
			map[string]any{"identity": "alice"}},
		{"POST without the CSRF header", `demo.postWithoutCSRF()`, 403,
			map[string]any{"error": "csrf_failed"}},
		{"refresh with the refresh cookie", `demo.refresh()`, 200, nil},
		{"GET with the refreshed cookie", `demo.get()`, 200,
			map[string]any{"identity": "alice"}},
	}
	for _, s := range steps {
		assertResult(t, s.name, eval[result](t, page, s.js), s.status, s.body)
	}

	// Scripts see the CSRF cookies, which are meant for them, and not the
	// token cookies, which the browser holds and sends all the same.
	visible := eval[string](t, page, `demo.cookies()`)
	assert.Contains(t, visible, "csrf_access_token=")
	assert.Contains(t, visible, "csrf_refresh_token=")
	assert.NotContains(t, visible, "access_token_cookie")
	assert.NotContains(t, visible, "refresh_token_cookie")
	jar := cookies(t, page, base)
	for _, name := range []string{"access_token_cookie", "refresh_token_cookie"} {
		require.Contains(t, jar, name)
		assert.True(t, jar[name].HTTPOnly, "%s is HttpOnly", name)
	}
	assert.False(t, jar["csrf_access_token"].HTTPOnly, "csrf_access_token")

	// Logging out unsets the cookies and revokes the session: the tokens
	// the browser held no longer pass, even sent by hand.
	assertResult(t, "log out", eval[result](t, page, `demo.logout()`), 200, nil)
	assertResult(t, "GET after logout", eval[result](t, page, `demo.get()`),
		401, map[string]any{"error": "missing_token"})
	assert.Empty(t, cookies(t, page, base), "cookies after logout")
	replays := []struct{ name, path, token string }{
		{"the access token", "/protected", jar["access_token_cookie"].Value},
		{"the refresh token", "/refresh", jar["refresh_token_cookie"].Value},
	}
	for _, r := range replays {
		js := fmt.Sprintf(`fetch(%q, {method: "POST", credentials: "omit",
			headers: {Authorization: "Bearer " + %q}})
			.then(async (res) => ({status: res.status, body: await res.json()}))`,
			r.path, r.token)
		got := eval[result](t, page, js)
		assertResult(t, "replaying "+r.name+" after logout", got,
			401, map[string]any{"error": "token_revoked"})
	}
}

// result is what the page's demo functions resolve to.
type result struct {
	Status int            `json:"status"`
	Body   map[string]any `json:"body"`
}

func assertResult(t *testing.T, step string, got result,
	status int, body map[string]any) {
	t.Helper()
	assert.Equal(t, status, got.Status, "%s: status; body %v", step, got.Body)
	for k, v := range body {
		assert.Equal(t, v, got.Body[k], "%s: body member %q", step, k)
	}
}

// eval evaluates js in the page, waits for the promise it may return,
// and decodes the result.
func eval[T any](t *testing.T, page context.Context, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(page, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	require.NoError(t, err, "evaluating %s", js)
	return v
}

// cookies returns the browser's cookies for the example, by name.
// The refresh token cookie lives at /refresh only.
func cookies(t *testing.T, page context.Context, base string) map[string]*network.Cookie {
	t.Helper()
	ctx, cancel := context.WithTimeout(page, stepTimeout)
	defer cancel()
	params := network.GetCookiesParams{URLs: []string{base + "/", base + "/refresh"}}
	get := func(ctx context.Context, tg *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, tg, network.GetCookies, params)
	}
	res, err := chromedp.Run(ctx, get)
	require.NoError(t, err)
	jar := map[string]*network.Cookie{}
	for _, c := range res.Cookies {
		jar[c.Name] = c
	}
	return jar
}

// requireBrowser returns the path of Chromium or Chrome. Without one the
// test skips, or fails when GINJWT_CI=1 says the browser test must run.
func requireBrowser(t *testing.T) string {
	t.Helper()
	ci := os.Getenv("GINJWT_CI") == "1"
	if testing.Short() && !ci {
		t.Skip("-short: the browser test did not run")
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const msg = "no browser: neither /usr/bin/chromium nor chromium, " +
		"chromium-browser or google-chrome on PATH"
	if ci {
		t.Fatal(msg + "; GINJWT_CI=1 requires the browser test to run")
	}
	t.Skip(msg + "; the browser test did not run (apt-get install chromium)")
	return ""
}

// buildExample builds the example app and returns the binary's path.
func buildExample(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command builds the example")
	ctx, cancel := context.WithTimeout(t.Context(), buildTimeout)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "example")
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, ".")
	cmd.Dir = filepath.Join("..", "example")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build in %s:\n%s", cmd.Dir, out)
	t.Logf("example built in %v", time.Since(start).Round(time.Millisecond))
	return bin
}

// startExample runs the example on a free port until the test ends and
// returns its base URL once it answers.
func startExample(t *testing.T, bin string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)

	var out syncBuffer
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "ADDR="+addr,
		"JWT_SECRET="+hex.EncodeToString(secret), "GIN_MODE=release")
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("example output:\n%s", out.String())
		}
	})

	// The app logs that it serves just before it listens: ask until it
	// answers.
	base := "http://" + addr
	ctx, cancel := context.WithTimeout(t.Context(), startTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/", nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case <-tick.C:
		case <-exited:
			t.Fatalf("the example exited:\n%s", out.String())
		case <-ctx.Done():
			t.Fatalf("the example did not answer within %v:\n%s",
				startTimeout, out.String())
		}
	}
}

// openPage starts a headless browser on a fresh profile, opens url and
// returns the page's context. The browser stops when ctx ends or when the
// test ends, whichever comes first.
func openPage(t *testing.T, ctx context.Context,
	browser, url string) context.Context {
	t.Helper()
	var out syncBuffer
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(browser),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.CombinedOutput(&out),
	)
	page, cancelPage := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		// Close the browser gracefully, then make sure it is gone before
		// the profile directory is removed.
		closeCtx, cancel := context.WithTimeout(page, stepTimeout)
		defer cancel()
		_ = chromedp.Cancel(closeCtx)
		cancelPage()
		cancelAlloc()
		if t.Failed() {
			t.Logf("browser output:\n%s", out.String())
		}
	})

	start := time.Now()
	err := chromedp.Do(page, chromedp.Navigate(url))
	require.NoError(t, err, "opening %s", url)
	require.Equal(t, "object", eval[string](t, page, `typeof window.demo`))
	t.Logf("browser up and page loaded in %v",
		time.Since(start).Round(time.Millisecond))
	return page
}

// syncBuffer collects a process's output from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(b.buf.String())
}
