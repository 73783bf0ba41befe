package ginjwt

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cookie, CSRF and revocation cases of SECURITY.md, checked like the
// others: the code, a release-mode body of exactly {"error", "msg"}, and
// a handler that never ran.

func TestCookieCSRFAttacks(t *testing.T) {
	a := cookieAuth(t, nil)
	victim, victimCSRF := session(t, a)
	_, attackerCSRF := session(t, a)

	cookieRequest := func(method, csrfHeader, csrfCookie string) *http.Request {
		req := httptest.NewRequest(method, "/p", nil)
		req.AddCookie(&http.Cookie{Name: "access_token_cookie", Value: victim})
		req.AddCookie(&http.Cookie{Name: "csrf_access_token", Value: csrfCookie})
		if csrfHeader != "" {
			req.Header.Set("X-CSRF-TOKEN", csrfHeader)
		}
		return req
	}
	for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		t.Run(method, func(t *testing.T) {
			res, ran := attempt(t, a, cookieRequest(method, "", victimCSRF))
			assertRefusedWith(t, res, ran, "csrf_failed", "Missing CSRF token", victim, victimCSRF)

			res, ran = attempt(t, a, cookieRequest(method, "wrong", victimCSRF))
			assertRefusedWith(t, res, ran, "csrf_failed",
				"CSRF double submit tokens do not match", victim, victimCSRF)

			res, ran = attempt(t, a, cookieRequest(method, "", ""))
			assertRefusedWith(t, res, ran, "csrf_failed", "Missing CSRF token", victim)

			// The attacker's own valid pair, next to the victim's token.
			res, ran = attempt(t, a, cookieRequest(method, attackerCSRF, attackerCSRF))
			assertRefusedWith(t, res, ran, "csrf_failed",
				"CSRF double submit tokens do not match", victim)

			res, ran = attempt(t, a, cookieRequest(method, victimCSRF, victimCSRF))
			assertAccepted(t, res, ran, "alice")
		})
	}
	for _, method := range []string{"GET", "HEAD", "OPTIONS"} {
		t.Run(method+" is exempt", func(t *testing.T) {
			res, ran := attempt(t, a, cookieRequest(method, "", ""))
			assert.True(t, ran)
			assert.Equal(t, http.StatusOK, res.Status)
		})
	}
	t.Run("header tokens need no CSRF value", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/p", nil)
		req.Header.Set("Authorization", bearer(victim))
		res, ran := attempt(t, a, req)
		assertAccepted(t, res, ran, "alice")
	})
}

func TestTokenCookieAttributes(t *testing.T) {
	a := cookieAuth(t, nil)
	res := serve(t, loginApp(a), httptest.NewRequest(http.MethodPost, "/login", nil))
	require.Equal(t, http.StatusOK, res.Status)
	cookies := cookiesOf(res)
	for name, httpOnly := range map[string]bool{
		"access_token_cookie": true, "refresh_token_cookie": true,
		"csrf_access_token": false, "csrf_refresh_token": false,
	} {
		c := cookies[name]
		require.NotNil(t, c, name)
		assert.Equal(t, httpOnly, c.HttpOnly, name)
		assert.True(t, c.Secure, name)
		assert.Equal(t, http.SameSiteLaxMode, c.SameSite, name)
	}
}

func TestRevokedTokensStayRefused(t *testing.T) {
	clock := newClock()
	a := sessionAuth(t, clock, func(c *Config) { c.Leeway = 30 * time.Second })
	pair, err := a.IssuePair("alice", WithClaims(&appClaims{}))
	require.NoError(t, err)
	r := sessionApp(a)
	require.Equal(t, http.StatusOK, serve(t, r, post("/logout", bearer(pair.AccessToken))).Status)

	// Until the very end of the token's life, leeway included.
	clock.Advance(15*time.Minute + 29*time.Second)
	res, ran := attemptToken(t, a, pair.AccessToken)
	assertRefused(t, res, ran, "token_revoked", pair.AccessToken)

	res, ran = attempt(t, a, post("/p", bearer(pair.RefreshToken)), RefreshOnly())
	assertRefused(t, res, ran, "token_revoked", pair.RefreshToken)
}
