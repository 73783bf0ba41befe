package ginjwt

import (
	"context"
	"time"
)

// Revocation: every verified token is checked against the Store by its
// "jti" and its session "fam". The store failing or stalling refuses the
// request with auth_unavailable; it never lets one through.

// checkRevoked refuses a token whose ID or family is revoked.
func (a *Auth) checkRevoked(ctx context.Context, b *Claims) *Error {
	if b.ID == "" && b.Family == "" {
		return nil // nothing to look up: such a token cannot be revoked
	}
	var revoked bool
	var err error
	if _, local := a.store.(localStore); local {
		revoked, err = a.isRevoked(ctx, b) // no closure on the hot path
	} else {
		revoked, err = a.bounded(ctx, func(ctx context.Context) (bool, error) {
			return a.isRevoked(ctx, b)
		})
	}
	if err != nil {
		return a.storeFailed(err)
	}
	a.storeRecovered()
	if revoked {
		return newError(kindTokenRevoked, nil)
	}
	return nil
}

// Revoke revokes one token ID or session family until the time past which
// no token carrying it can verify. It reports whether the ID was not
// revoked before. Logout and rotation call it; an application may too,
// for instance to end every session of a user it knows the families of.
func (a *Auth) Revoke(ctx context.Context, id string, until time.Time) (bool, error) {
	first, err := a.bounded(ctx, func(ctx context.Context) (bool, error) {
		return a.store.Revoke(ctx, id, until.Add(a.cfg.Leeway))
	})
	if err != nil {
		return false, a.storeFailed(err)
	}
	a.storeRecovered()
	return first, nil
}

// revokeClaims revokes a token's ID and, when it has one, its family.
func (a *Auth) revokeClaims(ctx context.Context, b *Claims) error {
	if b.ID != "" {
		if _, err := a.Revoke(ctx, b.ID, a.expiry(b)); err != nil {
			return err
		}
	}
	if b.Family != "" {
		if _, err := a.Revoke(ctx, b.Family, a.familyExpiry()); err != nil {
			return err
		}
	}
	return nil
}

// expiry is when a token stops verifying of itself.
func (a *Auth) expiry(b *Claims) time.Time {
	if b.ExpiresAt == nil {
		return maxTime
	}
	return b.ExpiresAt.Time
}

// familyExpiry is when every token of a family issued until now has
// expired: a refresh token issued now is the last to go.
func (a *Auth) familyExpiry() time.Time {
	if a.cfg.RefreshLifetime == NoExpiry || a.cfg.AccessLifetime == NoExpiry {
		return maxTime
	}
	return a.now().Add(max(a.cfg.RefreshLifetime, a.cfg.AccessLifetime))
}

// maxTime stands for "never expires" in a store.
var maxTime = time.Unix(maxNumericDate, 0)

// isRevoked asks the store about a token's ID and family.
func (a *Auth) isRevoked(ctx context.Context, b *Claims) (bool, error) {
	if b.Family == "" {
		return a.store.Revoked(ctx, b.ID)
	}
	return a.store.Revoked(ctx, b.ID, b.Family)
}

// bounded runs a store call. A store that answers from memory is called
// directly; any other gets StoreTimeout, enforced here whatever the store
// does with its context: a client that waits out its own longer socket
// timeout is abandoned, and the request answers auth_unavailable in time.
func (a *Auth) bounded(
	ctx context.Context,
	call func(context.Context) (bool, error),
) (bool, error) {
	if _, ok := a.store.(localStore); ok {
		return call(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.StoreTimeout)
	defer cancel()
	type result struct {
		ok  bool
		err error
	}
	done := make(chan result, 1)
	go func() {
		ok, err := call(ctx)
		done <- result{ok, err}
	}()
	select {
	case r := <-done:
		return r.ok, r.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// storeFailed logs the first failure of an incident, not every request's.
func (a *Auth) storeFailed(err error) *Error {
	if a.storeDown.CompareAndSwap(false, true) {
		logger(a.cfg.Logger).Error("ginjwt: revocation store unavailable; "+
			"authenticated requests are refused until it answers", "error", err)
	}
	return newError(kindAuthUnavailable, err)
}

func (a *Auth) storeRecovered() {
	if a.storeDown.Load() && a.storeDown.CompareAndSwap(true, false) {
		logger(a.cfg.Logger).Info("ginjwt: revocation store answers again")
	}
}
