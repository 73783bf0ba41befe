package ginjwt

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
)

// Config configures an Auth. Exactly one of Keys, Keyfunc and KeySource
// is required; every other field is optional, and its zero value selects
// the default its documentation gives. NewAuth validates the whole Config
// and refuses anything unsafe, so a bad Config never surfaces as a
// per-request error.
type Config struct {
	// Keys verify tokens and, when they have a private part, sign them.
	// Each key is bound to one algorithm. With more than one key, every
	// key needs an ID and tokens are matched to keys by "kid".
	Keys []Key
	// SigningKeyID names the key of Keys that signs issued tokens.
	// Optional with a single key, which then signs.
	SigningKeyID string
	// Keyfunc supplies verification keys for tokens this Auth did not
	// issue, as with golang-jwt. It must not block for long: use
	// KeySource for sources that fetch keys over the network. Requires
	// Algorithms.
	Keyfunc jwt.Keyfunc
	// KeySource supplies verification keys under a deadline of KeyTimeout,
	// such as jwks.Source from github.com/ginjwt/ginjwt/jwks, which reads
	// a JWKS endpoint. Requires Algorithms.
	KeySource KeySource
	// Algorithms is the allow-list of "alg" values for Keyfunc and
	// KeySource, such as []string{"RS256"}. Required with them; not used
	// with Keys, whose algorithms are bound to each key.
	Algorithms []string
	// KeyTimeout bounds a KeySource lookup; past it the request answers
	// auth_unavailable. Default 2s.
	KeyTimeout time.Duration

	// Issuer, when set, is required in the "iss" claim of every token and
	// stamped on issued tokens.
	Issuer string
	// Audience, when set, requires the "aud" claim to hold at least one of
	// these values; issued tokens carry them all.
	Audience []string
	// Subject, when set, is required in the "sub" claim.
	Subject string
	// Leeway tolerates clock skew when checking "exp", "nbf" and "iat".
	// Default 0; keep it to seconds.
	Leeway time.Duration
	// ExpiryOptional accepts tokens without an "exp" claim. By default
	// they are refused (invalid_claims), since a token without expiry
	// can never be retired short of revoking it.
	ExpiryOptional bool
	// NewClaims returns a new, empty claims value for each request, for
	// custom claim types (a pointer to a struct embedding Claims).
	// Default: new(Claims).
	NewClaims func() Claimer
	// Validate, when set, runs after the token verified; an error refuses
	// the request with invalid_claims, or with the code of the *Error or
	// sentinel it returns.
	Validate func(c *gin.Context, claims Claimer) error
	// MaxTokenSize is the longest token accepted, in bytes; longer ones
	// are refused before any decoding. Default 8192.
	MaxTokenSize int

	// Locations are where the middleware looks for a token. Default: the
	// Authorization header with the Bearer scheme. A request carrying
	// tokens in two locations is refused with invalid_request.
	Locations []Location
	// Cookies names and shapes the token cookies.
	Cookies CookieConfig
	// CSRF configures the double-submit check of cookie-borne tokens.
	CSRF CSRFConfig
	// JSONBody names the token fields of JSON bodies.
	JSONBody JSONBodyConfig

	// Store holds revoked tokens; every verified token is checked against
	// it. Default: a MemoryStore on the Auth's clock, which suits a
	// single instance; several instances need a shared store.
	Store Store
	// StoreTimeout bounds each call to a Store other than a MemoryStore;
	// past it the request answers auth_unavailable. Default 500ms.
	StoreTimeout time.Duration
	// Cache keeps verified tokens, to skip the cryptography when they come
	// back. Default off.
	Cache CacheConfig
	// LoadUser, when set, loads the application's user for a verified
	// token; handlers read it with UserFrom. Returning ErrUserNotFound, or
	// a nil user, refuses the request with user_not_found; any other
	// error with auth_unavailable.
	LoadUser func(c *gin.Context, claims Claimer) (any, error)

	// AccessLifetime is the life of issued access tokens. Default 15
	// minutes; NoExpiry issues tokens without "exp", which also requires
	// ExpiryOptional.
	AccessLifetime time.Duration
	// RefreshLifetime is the life of issued refresh tokens. Default 30
	// days; NoExpiry as for AccessLifetime.
	RefreshLifetime time.Duration
	// RotateRefreshTokens makes the refresh handler answer a new refresh
	// token each time and retire the one it was given. A retired refresh
	// token presented again means it was stolen or replayed: its whole
	// family (the session) is revoked. Default false.
	RotateRefreshTokens bool

	// Errors shapes error responses.
	Errors ErrorConfig

	// Now is the clock for issuing and verifying. Default time.Now.
	Now func() time.Time
	// Logger receives what the middleware reports. Default slog.Default().
	Logger *slog.Logger
}

// NoExpiry as a lifetime issues tokens without an "exp" claim.
const NoExpiry time.Duration = -1

// KeySource supplies keys for a token under a context, which carries the
// KeyTimeout deadline; the key function must return once it is done. An
// error that wraps ErrAuthUnavailable (the source cannot be reached)
// answers 503 auth_unavailable, any other error 401 token_invalid.
// jwks.Source from github.com/ginjwt/ginjwt/jwks implements it.
type KeySource interface {
	KeyfuncCtx(ctx context.Context) jwt.Keyfunc
}

// Auth is a validated Config: it builds middlewares and issues tokens. It
// is safe for concurrent use; build it once at start-up.
type Auth struct {
	cfg Config // with defaults filled in

	keys        atomic.Pointer[keyring]
	dynamicKeys bool
	keyfunc     jwt.Keyfunc
	keySource   KeySource
	keyTimeout  time.Duration
	algorithms  map[string]jwt.SigningMethod

	store     Store
	storeDown atomic.Bool
	cache     *tokenCache
	cookies   bool // whether tokens travel in cookies, and carry a CSRF claim

	validator    *jwt.Validator
	fields       *claimFields
	maxTokenSize int
	locations    []Location
	resp         *responder
	scratch      sync.Pool
}

// New returns a middleware that requires a valid access token, for
// r.Use or a route group. Options select a variant (Optional, FreshOnly,
// RefreshOnly, Authorize, ...). New panics if cfg is invalid; NewAuth is
// the form that returns the error.
func New(cfg Config, opts ...Option) gin.HandlerFunc {
	a, err := NewAuth(cfg)
	if err != nil {
		panic(err)
	}
	return a.Middleware(opts...)
}

// NewAuth validates cfg and returns an Auth, or an error saying what is
// wrong with cfg. In gin's debug mode it also warns about settings that
// are legal but risky.
func NewAuth(cfg Config) (*Auth, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	a := &Auth{cfg: cfg, maxTokenSize: cfg.MaxTokenSize, keyTimeout: cfg.KeyTimeout}
	if err := a.setKeys(); err != nil {
		return nil, err
	}
	t, err := claimsType(cfg.NewClaims)
	if err != nil {
		return nil, err
	}
	if a.fields, err = fieldsOf(t); err != nil {
		return nil, err
	}
	a.validator = jwt.NewValidator(a.parserOptions()...)
	a.locations = cfg.Locations
	a.store = cfg.Store
	if a.store == nil {
		a.store = NewMemoryStore(MemoryStoreConfig{Now: cfg.Now})
	}
	a.cache = newTokenCache(cfg.Cache)
	a.cookies = slices.ContainsFunc(
		cfg.Locations,
		func(l Location) bool { return l.src == inCookie },
	)
	if a.resp, err = newResponder(cfg.Errors, cfg.Logger); err != nil {
		return nil, err
	}
	a.scratch.New = func() any { return new(scratch) }
	warnRisky(&cfg)
	return a, nil
}

// parserOptions are the claim checks of the validator.
func (a *Auth) parserOptions() []jwt.ParserOption {
	cfg := &a.cfg
	opts := []jwt.ParserOption{
		jwt.WithTimeFunc(cfg.Now),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithIssuedAt(),
	}
	if !cfg.ExpiryOptional {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if len(cfg.Audience) > 0 {
		opts = append(opts, jwt.WithAudience(cfg.Audience...))
	}
	if cfg.Subject != "" {
		opts = append(opts, jwt.WithSubject(cfg.Subject))
	}
	return opts
}

// SetKeys replaces the key set and the signing key at once, for key
// rotation while serving. Once it returns, tokens are verified against the
// new set only: a key left out is never accepted again. The set is
// validated as in NewAuth; on error nothing changes. It is an error to
// call it on an Auth built with Keyfunc or KeySource.
func (a *Auth) SetKeys(signingKeyID string, keys ...Key) error {
	if a.dynamicKeys {
		return errDynamicKeys
	}
	r, err := newKeyring(keys, signingKeyID)
	if err != nil {
		return err
	}
	a.keys.Store(r)
	if a.cache != nil {
		a.cache.clear() // entries of the old set are stale; free them
	}
	return nil
}

// now returns the time of the configured clock.
func (a *Auth) now() time.Time { return a.cfg.Now() }
