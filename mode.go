package ginjwt

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
)

// ginjwt keeps no mode of its own. Every response reads gin.Mode() when
// it is written, so gin.SetMode after New is honoured, and the mode only
// decides whether a body carries "detail": status, headers, "error" and
// the message are the same in debug, test and release mode. Test mode
// behaves like release mode, so that tests see what production sends.

// logger returns l, or the default logger at the time of the call.
func logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}

// longAccessLifetime is where an access token stops being short-lived.
const longAccessLifetime = time.Hour

// warnRisky prints, in gin's debug mode only, a warning for each setting
// that is legal but weakens security. Settings that are wrong in every
// mode are refused by NewAuth instead.
func warnRisky(cfg *Config) {
	if !gin.IsDebugging() {
		return
	}
	for _, l := range cfg.Locations {
		if l.src == inQuery {
			debugWarning(cfg.Logger, "tokens in query strings leak into logs, "+
				"browser history and Referer headers")
		}
	}
	switch {
	case cfg.AccessLifetime == NoExpiry:
		debugWarning(cfg.Logger, "access tokens are issued without expiry")
	case cfg.AccessLifetime > longAccessLifetime:
		debugWarning(cfg.Logger, fmt.Sprintf("access tokens live %v; "+
			"prefer minutes, with refresh tokens for long sessions", cfg.AccessLifetime))
	}
	if cfg.ExpiryOptional {
		debugWarning(cfg.Logger, "tokens without exp are accepted")
	}
	if slices.ContainsFunc(cfg.Locations, func(l Location) bool { return l.src == inCookie }) {
		warnCookies(cfg)
	}
	if cfg.Leeway > time.Minute {
		debugWarning(
			cfg.Logger,
			fmt.Sprintf("a leeway of %v extends every token's life", cfg.Leeway),
		)
	}
}

func warnCookies(cfg *Config) {
	if cfg.Cookies.Insecure {
		debugWarning(cfg.Logger, "token cookies are not Secure: "+
			"they travel over plain HTTP")
	}
	if cfg.Cookies.SameSite == http.SameSiteNoneMode {
		debugWarning(cfg.Logger, "token cookies are SameSite=None: "+
			"every site can make browsers send them")
	}
	if cfg.CSRF.Disabled {
		debugWarning(cfg.Logger, "CSRF protection is off for cookie tokens")
	}
}

// debugWarning prints a construction warning the way gin prints its own:
// through the configured logger if there is one, else gin's debug output.
func debugWarning(l *slog.Logger, msg string) {
	msg = "ginjwt: " + msg
	switch {
	case l != nil:
		l.Warn(msg)
	case gin.DebugPrintFunc != nil:
		gin.DebugPrintFunc("[WARNING] %s\n", msg)
	default:
		fmt.Fprintf(gin.DefaultWriter, "[GIN-debug] [WARNING] %s\n", msg)
	}
}
