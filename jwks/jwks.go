// Package jwks supplies ginjwt with verification keys from a JSON Web Key
// Set (RFC 7517) served over HTTP, such as an identity provider's
// /.well-known/jwks.json, through MicahParks/keyfunc.
//
// A Source is a ginjwt.KeySource. It keeps the fetched keys in memory,
// refreshes them in the background, and fetches the set again when a
// token names a kid it does not hold, so that a key the provider adds is
// accepted without a restart. What it adds to keyfunc is the distinction
// ginjwt needs to answer correctly:
//
//   - a kid that a set fetched successfully does not hold is the token's
//     fault: the lookup fails and the request answers 401 token_invalid;
//   - a key set that cannot be fetched (connection refused, a status
//     other than 200, a body that is not a key set, a server that does not
//     answer in time) is the server's fault: the lookup fails with an
//     error that matches ginjwt.ErrAuthUnavailable and the request answers
//     503 auth_unavailable.
//
// Keys already fetched keep verifying while the server is down.
//
// # Bound
//
// A request never waits for keys longer than ginjwt's Config.KeyTimeout
// (default 2s). Keys in memory answer at once. An unknown kid causes at
// most one fetch per UnknownKIDInterval (default 1 minute), made under the
// request's deadline and capped by HTTPTimeout; requests that arrive while
// the interval has not passed do not wait for a fetch. Past the deadline
// the request answers 503.
//
// NOTE: the rate limit also holds back keys: a second new kid within
// UnknownKIDInterval of the last such fetch is refused with 401 until the
// interval has passed or the background refresh has run, and after an
// outage the first fetch on a request's behalf waits for the interval
// too. Providers that publish a key before signing with it, as they
// should, never meet the first case.
package jwks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/ginjwt/ginjwt"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// Defaults of Options.
const (
	defaultHTTPTimeout        = 10 * time.Second
	defaultRefreshInterval    = time.Hour
	defaultUnknownKIDInterval = time.Minute
)

// Options configure a Source. The zero value selects every default.
type Options struct {
	// Client sends the requests for the key set. Default: an http.Client
	// of its own whose Timeout is HTTPTimeout.
	Client *http.Client
	// HTTPTimeout bounds each fetch of the key set: the first one in New,
	// the background refreshes, and (together with the request's deadline)
	// the fetches caused by unknown kids. Default 10s.
	HTTPTimeout time.Duration
	// RefreshInterval is the time between two background fetches, which
	// also retire keys the server no longer serves. Default 1 hour.
	RefreshInterval time.Duration
	// UnknownKIDInterval is the least time between two fetches caused by
	// tokens that name a kid the Source does not hold. It keeps tokens
	// with made-up kids from turning into a flood of requests to the key
	// server, and it is also how long a Source that could not fetch the
	// set waits before trying again on a request's behalf. Default 1
	// minute.
	UnknownKIDInterval time.Duration
	// RequireFirstFetch makes New fail when the first fetch fails. By
	// default New succeeds anyway, and requests answer 503 until a fetch
	// succeeds, so that an application can start while the key server is
	// down.
	RequireFirstFetch bool
	// Logger receives the failed fetches. Default slog.Default().
	Logger *slog.Logger
}

// Source is a ginjwt.KeySource backed by a remote JSON Web Key Set. It is
// safe for concurrent use.
type Source struct {
	keys   keyfunc.Keyfunc
	logger *slog.Logger
	stop   context.CancelFunc
	// memory holds the keys of the last successful fetch.
	memory *jwkset.MemoryJWKSet
	// fetched reports whether the most recent fetch of the set, whatever
	// caused it, succeeded. While it is false, a kid missing from memory
	// may well be in the set the server would serve.
	fetched atomic.Bool
}

// New fetches the key set at url and returns a Source serving its keys.
// The background refresh stops when ctx is done or Close is called. New
// fails on a bad url, and with Options.RequireFirstFetch when the first
// fetch fails.
func New(ctx context.Context, url string, opts Options) (*Source, error) {
	if opts.HTTPTimeout < 0 || opts.RefreshInterval < 0 ||
		opts.UnknownKIDInterval < 0 {
		return nil, errors.New("jwks: negative duration in Options")
	}
	setDefault(&opts.HTTPTimeout, defaultHTTPTimeout)
	setDefault(&opts.RefreshInterval, defaultRefreshInterval)
	setDefault(&opts.UnknownKIDInterval, defaultUnknownKIDInterval)
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: opts.HTTPTimeout}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Source{logger: opts.Logger, memory: jwkset.NewMemoryStorage()}
	// When New fails, the refresh goroutine jwkset may have started must
	// stop with it.
	ctx, s.stop = context.WithCancel(ctx)
	remote, err := jwkset.NewStorageFromHTTP(url, jwkset.HTTPClientStorageOptions{
		Client:                    opts.Client,
		Ctx:                       ctx,
		HTTPTimeout:               opts.HTTPTimeout,
		NoErrorReturnFirstHTTPReq: !opts.RequireFirstFetch,
		RefreshErrorHandler:       s.fetchFailed,
		RefreshInterval:           opts.RefreshInterval,
		Storage:                   fetchedSet{s.memory, &s.fetched},
	})
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("jwks: %w", err)
	}
	storage, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs: map[string]jwkset.Storage{url: remote},
		// The limiter answers at once when the next fetch it allows comes
		// after the request's deadline, so requests do not queue for it.
		RefreshUnknownKID: rate.NewLimiter(rate.Every(opts.UnknownKIDInterval), 1),
		// A cap for callers without a deadline of their own; through
		// ginjwt, KeyTimeout is the tighter bound.
		RateLimitWaitMax: opts.HTTPTimeout,
	})
	if err == nil {
		s.keys, err = keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: storage})
	}
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("jwks: %w", err)
	}
	return s, nil
}

// Close stops the background refresh. The Source goes on serving the keys
// it holds and fetching the set for unknown kids.
func (s *Source) Close() { s.stop() }

// KeyfuncCtx returns the key function ginjwt calls for one token, under a
// context that carries Config.KeyTimeout. The key function fails with an
// error matching ginjwt.ErrAuthUnavailable when it could not tell whether
// the token's key exists: the deadline passed, or the last fetch of the
// set failed and the key is not among those fetched before. Any other
// failure is the token's.
func (s *Source) KeyfuncCtx(ctx context.Context) jwt.Keyfunc {
	lookup := s.keys.KeyfuncCtx(ctx)
	return func(t *jwt.Token) (any, error) {
		key, err := lookup(t)
		if err == nil && !emptySet(key) {
			return key, nil
		}
		switch {
		case ctx.Err() != nil:
			return nil, &unavailableError{errors.Join(ctx.Err(), err)}
		case !s.fetched.Load() && !s.holds(ctx, t):
			return nil, &unavailableError{err}
		case err != nil:
			return nil, fmt.Errorf("jwks: %w", err)
		}
		return key, nil
	}
}

// holds reports whether the keys in memory include the one t names or,
// for a token without kid, any key at all. A token that fails against a
// key in memory is refused whether or not the server answers.
func (s *Source) holds(ctx context.Context, t *jwt.Token) bool {
	kid, ok := t.Header["kid"].(string)
	if !ok {
		all, err := s.memory.KeyReadAll(ctx)
		return err == nil && len(all) > 0
	}
	_, err := s.memory.KeyRead(ctx, kid)
	return err == nil
}

// fetchFailed records a failed fetch; jwkset calls it for every fetch
// that fails, whether New, the refresh goroutine or an unknown kid caused
// it.
func (s *Source) fetchFailed(ctx context.Context, err error) {
	s.fetched.Store(false)
	s.logger.WarnContext(ctx, "jwks: fetching the key set failed",
		"error", err)
}

// fetchedSet is the memory of the fetched keys. jwkset replaces its
// content after each successful fetch and only then, which makes it the
// place to learn that a fetch succeeded.
type fetchedSet struct {
	jwkset.Storage
	ok *atomic.Bool
}

// KeyReplaceAll stores a freshly fetched set.
func (f fetchedSet) KeyReplaceAll(ctx context.Context, given []jwkset.JWK) error {
	err := f.Storage.KeyReplaceAll(ctx, given)
	if err == nil {
		f.ok.Store(true)
	}
	return err
}

// unavailableError is a lookup that failed because the key set was out of
// reach; it matches ginjwt.ErrAuthUnavailable.
type unavailableError struct {
	cause error
}

// Error says the key set could not be fetched, and why.
func (e *unavailableError) Error() string {
	if e.cause == nil {
		return "jwks: the key set could not be fetched"
	}
	return "jwks: the key set could not be fetched: " + e.cause.Error()
}

// Unwrap returns ginjwt.ErrAuthUnavailable and the cause.
func (e *unavailableError) Unwrap() []error {
	if e.cause == nil {
		return []error{ginjwt.ErrAuthUnavailable}
	}
	return []error{ginjwt.ErrAuthUnavailable, e.cause}
}

// emptySet reports whether key is a key set without keys, which is what
// keyfunc answers for a token without kid before any key was fetched.
func emptySet(key any) bool {
	set, ok := key.(jwt.VerificationKeySet)
	return ok && len(set.Keys) == 0
}

func setDefault[T comparable](field *T, value T) {
	var zero T
	if *field == zero {
		*field = value
	}
}
