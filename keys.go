package ginjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"errors"
	"fmt"
	"hash"
	"sync"

	"github.com/golang-jwt/jwt/v5"
)

// Key is one key together with the one algorithm it may be used with.
// Binding the algorithm to the key is what makes key-confusion attacks
// (an RSA public key used as an HMAC secret, an RS256 key accepting an
// RS512 or PS256 token) impossible.
//
// Set Secret for HS256/384/512, or Private and/or Public for the others:
// *rsa.PrivateKey / *rsa.PublicKey for RS* and PS*, *ecdsa.PrivateKey /
// *ecdsa.PublicKey for ES256/384/512, ed25519.PrivateKey /
// ed25519.PublicKey for EdDSA. A key with only a Public part verifies but
// cannot sign.
type Key struct {
	// ID is the key's "kid". Required when a key set holds more than one
	// key; a token that names a kid must name a key of the set.
	ID string
	// Algorithm is the JWS "alg" this key signs and verifies: HS256,
	// HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256,
	// ES384, ES512 or EdDSA. Required.
	Algorithm string
	// Secret is the HMAC secret; at least as long as the hash output
	// (32, 48 or 64 bytes).
	Secret []byte
	// Private is the signing key of an asymmetric algorithm; its public
	// half verifies.
	Private crypto.Signer
	// Public is the verifying key of an asymmetric algorithm; optional
	// when Private is set, and then it must match it.
	Public crypto.PublicKey
}

// pss returns a PS* method that verifies with the salt length RFC 7518
// requires (the hash size); golang-jwt's default verifier accepts any.
func pss(m *jwt.SigningMethodRSAPSS) *jwt.SigningMethodRSAPSS {
	equal := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
	return &jwt.SigningMethodRSAPSS{
		SigningMethodRSA: m.SigningMethodRSA,
		Options:          equal,
		VerifyOptions:    equal,
	}
}

// methods are the algorithms ginjwt accepts, each with its signing method.
var methods = map[string]jwt.SigningMethod{
	"HS256": jwt.SigningMethodHS256,
	"HS384": jwt.SigningMethodHS384,
	"HS512": jwt.SigningMethodHS512,
	"RS256": jwt.SigningMethodRS256,
	"RS384": jwt.SigningMethodRS384,
	"RS512": jwt.SigningMethodRS512,
	"PS256": pss(jwt.SigningMethodPS256),
	"PS384": pss(jwt.SigningMethodPS384),
	"PS512": pss(jwt.SigningMethodPS512),
	"ES256": jwt.SigningMethodES256,
	"ES384": jwt.SigningMethodES384,
	"ES512": jwt.SigningMethodES512,
	"EdDSA": jwt.SigningMethodEdDSA,
}

// minRSABits is the smallest RSA modulus accepted (RFC 7518 section 3.3).
const minRSABits = 2048

// verifier is a validated Key, ready for use on the request path.
type verifier struct {
	id     string
	alg    string
	method jwt.SigningMethod
	public any // the verification key for method.Verify
	signer any // the signing key, or nil
	hmac   *hmacPool
}

// newVerifier validates k and prepares it.
func newVerifier(k Key) (*verifier, error) {
	m, ok := methods[k.Algorithm]
	if !ok {
		return nil, fmt.Errorf("ginjwt: key %q: unsupported algorithm %q",
			k.ID, k.Algorithm)
	}
	v := &verifier{id: k.ID, alg: k.Algorithm, method: m}
	var err error
	if hm, ok := m.(*jwt.SigningMethodHMAC); ok {
		err = v.setSecret(hm, k)
	} else {
		err = v.setAsymmetric(k)
	}
	if err != nil {
		return nil, fmt.Errorf("ginjwt: key %q (%s): %w", k.ID, k.Algorithm, err)
	}
	return v, nil
}

func (v *verifier) setSecret(m *jwt.SigningMethodHMAC, k Key) error {
	if k.Private != nil || k.Public != nil {
		return errors.New("an HMAC key takes Secret only")
	}
	if size := m.Hash.Size(); len(k.Secret) < size {
		return fmt.Errorf("secret is %d bytes, shorter than the %d-byte hash",
			len(k.Secret), size)
	}
	secret := append([]byte(nil), k.Secret...)
	v.public, v.signer = secret, secret
	v.hmac = newHMACPool(m.Hash.New, secret)
	return nil
}

func (v *verifier) setAsymmetric(k Key) error {
	if k.Secret != nil {
		return errors.New("a Secret is for HMAC keys only")
	}
	pub := k.Public
	if k.Private != nil {
		pub = k.Private.Public()
		if k.Public != nil && !samePublic(k.Public, pub) {
			return errors.New("the Public key does not match the Private key")
		}
		v.signer = k.Private
	}
	if pub == nil {
		return errors.New("neither Private nor Public is set")
	}
	if err := fits(v.alg, pub); err != nil {
		return err
	}
	v.public = pub
	return nil
}

func samePublic(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// fits checks that a public key suits its algorithm.
func fits(alg string, pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if alg[0] != 'R' && alg[0] != 'P' {
			return fmt.Errorf("an RSA key cannot be used with %s", alg)
		}
		if n := k.N.BitLen(); n < minRSABits {
			return fmt.Errorf("RSA key of %d bits, fewer than %d", n, minRSABits)
		}
	case *ecdsa.PublicKey:
		want := map[string]elliptic.Curve{
			"ES256": elliptic.P256(),
			"ES384": elliptic.P384(),
			"ES512": elliptic.P521(),
		}[alg]
		if want == nil || k.Curve != want {
			return fmt.Errorf("an ECDSA key on %s cannot be used with %s",
				k.Curve.Params().Name, alg)
		}
	case ed25519.PublicKey:
		if alg != "EdDSA" || len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("an Ed25519 key cannot be used with %s", alg)
		}
	default:
		return fmt.Errorf("unsupported key type %T", pub)
	}
	return nil
}

// verify checks the signature of signingInput under this key.
func (v *verifier) verify(signingInput string, sig []byte) error {
	if v.hmac != nil {
		return v.hmac.verify(signingInput, sig)
	}
	return v.method.Verify(signingInput, sig, v.public)
}

// keyring is an immutable set of verifiers; rotation swaps whole rings.
type keyring struct {
	byID   map[string]*verifier
	single *verifier // the only key, which may verify tokens without kid
	signer *verifier // the key that signs issued tokens, or nil
}

// newKeyring validates a key set: supported algorithms, fitting and
// strong enough keys, IDs unique and present when there is more than one
// key, and a signing key that exists and can sign.
func newKeyring(keys []Key, signingID string) (*keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("ginjwt: no keys")
	}
	r := &keyring{byID: make(map[string]*verifier, len(keys))}
	for _, k := range keys {
		if len(keys) > 1 && k.ID == "" {
			return nil, fmt.Errorf("ginjwt: %s key without ID in a set of %d keys",
				k.Algorithm, len(keys))
		}
		if _, dup := r.byID[k.ID]; dup {
			return nil, fmt.Errorf("ginjwt: duplicate key ID %q", k.ID)
		}
		v, err := newVerifier(k)
		if err != nil {
			return nil, err
		}
		r.byID[k.ID] = v
	}
	if len(keys) == 1 {
		r.single = r.byID[keys[0].ID]
	}
	switch {
	case signingID != "":
		r.signer = r.byID[signingID]
		if r.signer == nil {
			return nil, fmt.Errorf("ginjwt: signing key %q is not in the key set",
				signingID)
		}
	case r.single != nil:
		r.signer = r.single
	}
	if r.signer != nil && r.signer.signer == nil {
		if signingID != "" {
			return nil, fmt.Errorf("ginjwt: signing key %q has no private part",
				signingID)
		}
		r.signer = nil // a verify-only single key: the Auth cannot issue
	}
	return r, nil
}

// lookup finds the key for a token header. A token that names a kid must
// name a key of the set; one that names none is verified by the only key
// of a single-key set. There is never a fallback to another key.
func (r *keyring) lookup(h *header) *verifier {
	if !h.hasKID {
		return r.single
	}
	return r.byID[string(h.kid)]
}

// hmacPool keeps keyed HMAC states for reuse: building one costs several
// allocations that the request path need not pay every time.
type hmacPool struct {
	pool sync.Pool
}

type hmacState struct {
	mac hash.Hash
	in  []byte
	sum []byte
}

func newHMACPool(h func() hash.Hash, secret []byte) *hmacPool {
	p := &hmacPool{}
	p.pool.New = func() any { return &hmacState{mac: hmac.New(h, secret)} }
	return p
}

func (p *hmacPool) verify(signingInput string, sig []byte) error {
	s := p.pool.Get().(*hmacState)
	defer p.pool.Put(s)
	s.mac.Reset()
	s.in = append(s.in[:0], signingInput...)
	s.mac.Write(s.in)
	s.sum = s.mac.Sum(s.sum[:0])
	if !hmac.Equal(sig, s.sum) {
		return jwt.ErrSignatureInvalid
	}
	return nil
}
