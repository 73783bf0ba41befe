package ginjwt

import (
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Defaults of Config, filled in by setDefaults.
const (
	defaultKeyTimeout      = 2 * time.Second
	defaultMaxTokenSize    = 8 << 10
	maxMaxTokenSize        = 1 << 20
	defaultAccessLifetime  = 15 * time.Minute
	defaultRefreshLifetime = 30 * 24 * time.Hour
	defaultMaxBodyBytes    = 64 << 10
	defaultStoreTimeout    = 500 * time.Millisecond
)

var errDynamicKeys = errors.New("ginjwt: the Auth verifies with a key function, not a key set")

// JSONBodyConfig names the JSON body members that carry tokens, for the
// FromJSON location.
type JSONBodyConfig struct {
	// AccessField holds access tokens. Default "access_token".
	AccessField string
	// RefreshField holds refresh tokens. Default "refresh_token".
	RefreshField string
	// MaxBytes is the most of a body read to look for a token; a longer
	// body is left alone and counts as carrying none. Default 64 KiB.
	MaxBytes int64
}

// setDefaults fills in defaults and validates everything but the keys,
// the claims type and the error responses, which have their own checks.
func (c *Config) setDefaults() error {
	if err := c.checkKeySource(); err != nil {
		return err
	}
	if err := c.checkLimits(); err != nil {
		return err
	}
	if err := c.setLifetimes(); err != nil {
		return err
	}
	setDefault(&c.KeyTimeout, defaultKeyTimeout)
	setDefault(&c.StoreTimeout, defaultStoreTimeout)
	setDefault(&c.MaxTokenSize, defaultMaxTokenSize)
	setDefault(&c.JSONBody.AccessField, "access_token")
	setDefault(&c.JSONBody.RefreshField, "refresh_token")
	setDefault(&c.JSONBody.MaxBytes, defaultMaxBodyBytes)
	if c.NewClaims == nil {
		c.NewClaims = func() Claimer { return new(Claims) }
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Locations == nil {
		c.Locations = []Location{FromHeader("Authorization", "Bearer")}
	}
	if err := c.Cookies.setDefaults(); err != nil {
		return err
	}
	if err := c.CSRF.setDefaults(); err != nil {
		return err
	}
	return checkLocations(c.Locations)
}

// checkKeySource requires exactly one source of keys, with an algorithm
// allow-list for key functions.
func (c *Config) checkKeySource() error {
	sources := 0
	for _, set := range []bool{c.Keys != nil, c.Keyfunc != nil, c.KeySource != nil} {
		if set {
			sources++
		}
	}
	switch {
	case sources != 1:
		return errors.New("ginjwt: set exactly one of Keys, Keyfunc and KeySource")
	case c.Keys == nil && len(c.Algorithms) == 0:
		return errors.New("ginjwt: a key function needs an Algorithms allow-list")
	case c.Keys != nil && c.Algorithms != nil:
		return errors.New("ginjwt: Algorithms is for key functions; each Key has its own")
	case c.Keys == nil && c.SigningKeyID != "":
		return errors.New("ginjwt: SigningKeyID needs Keys")
	}
	return nil
}

// checkLimits refuses durations and sizes that make no sense.
func (c *Config) checkLimits() error {
	if c.Leeway < 0 || c.KeyTimeout < 0 || c.StoreTimeout < 0 || c.MaxTokenSize < 0 {
		return errors.New("ginjwt: Leeway, KeyTimeout, StoreTimeout and " +
			"MaxTokenSize cannot be negative")
	}
	if c.MaxTokenSize > maxMaxTokenSize {
		return fmt.Errorf("ginjwt: MaxTokenSize above %d bytes", maxMaxTokenSize)
	}
	for _, aud := range c.Audience {
		if aud == "" {
			return errors.New("ginjwt: empty Audience value")
		}
	}
	return nil
}

func (c *Config) setLifetimes() error {
	for _, d := range []*time.Duration{&c.AccessLifetime, &c.RefreshLifetime} {
		switch {
		case *d == NoExpiry && !c.ExpiryOptional:
			return errors.New("ginjwt: NoExpiry lifetimes need ExpiryOptional")
		case *d < 0 && *d != NoExpiry:
			return errors.New("ginjwt: negative token lifetime")
		}
	}
	setDefault(&c.AccessLifetime, defaultAccessLifetime)
	setDefault(&c.RefreshLifetime, defaultRefreshLifetime)
	return nil
}

func setDefault[T comparable](field *T, value T) {
	var zero T
	if *field == zero {
		*field = value
	}
}

// setKeys prepares the key set or the key function.
func (a *Auth) setKeys() error {
	cfg := &a.cfg
	if cfg.Keys != nil {
		r, err := newKeyring(cfg.Keys, cfg.SigningKeyID)
		if err != nil {
			return err
		}
		a.keys.Store(r)
		return nil
	}
	a.dynamicKeys = true
	a.keyfunc, a.keySource = cfg.Keyfunc, cfg.KeySource
	a.algorithms = make(map[string]jwt.SigningMethod, len(cfg.Algorithms))
	for _, alg := range cfg.Algorithms {
		m, ok := methods[alg]
		if !ok {
			return fmt.Errorf("ginjwt: unsupported algorithm %q in Algorithms", alg)
		}
		a.algorithms[alg] = m
	}
	return nil
}

// claimsType checks NewClaims and returns the type it makes.
func claimsType(newClaims func() Claimer) (reflect.Type, error) {
	c := newClaims()
	if c == nil || reflect.ValueOf(c).IsNil() {
		return nil, errors.New("ginjwt: NewClaims returned nil")
	}
	return reflect.TypeOf(c), nil
}
