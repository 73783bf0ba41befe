package jwks_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/gin-gonic/gin"
	"github.com/ginjwt/ginjwt"
	"github.com/ginjwt/ginjwt/jwks"
	"github.com/golang-jwt/jwt/v5"
)

// exampleProvider plays an identity provider: it signs tokens with an ES256 key
// and publishes the key in a JSON Web Key Set.
type exampleProvider struct {
	key *ecdsa.PrivateKey
	kid string
	*httptest.Server
}

func newExampleProvider() *exampleProvider {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	p := &exampleProvider{key: key, kid: "2026-12"}
	jwk, err := jwkset.NewJWKFromKey(key.Public(), jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{
			KID: p.kid, ALG: jwkset.AlgES256, USE: jwkset.UseSig,
		},
	})
	if err != nil {
		panic(err)
	}
	set, err := json.Marshal(jwkset.JWKSMarshal{
		Keys: []jwkset.JWKMarshal{jwk.Marshal()},
	})
	if err != nil {
		panic(err)
	}
	serve := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(set)
	}
	p.Server = httptest.NewServer(http.HandlerFunc(serve))
	return p
}

// issue signs a token for alice that names kid as its key.
func (p *exampleProvider) issue(kid string) string {
	t := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.RegisteredClaims{
		Subject:   "alice",
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour)),
	})
	t.Header["kid"] = kid
	s, err := t.SignedString(p.key)
	if err != nil {
		panic(err)
	}
	return s
}

func ExampleNew() {
	gin.SetMode(gin.ReleaseMode)
	idp := newExampleProvider()
	defer idp.Close()

	// The API verifies the provider's tokens with the keys it publishes.
	keys, err := jwks.New(context.Background(), idp.URL+"/.well-known/jwks.json",
		jwks.Options{})
	if err != nil {
		panic(err)
	}
	defer keys.Close()
	auth, err := ginjwt.NewAuth(ginjwt.Config{
		KeySource:  keys,
		Algorithms: []string{"ES256"}, // what the provider signs with
		KeyTimeout: 2 * time.Second,   // the default: the most a lookup takes
	})
	if err != nil {
		panic(err)
	}
	r := gin.New()
	r.Use(auth.Recovery())
	r.GET("/me", auth.Middleware(), func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"id": ginjwt.MustIdentity(c)})
	})
	call := func(token string) {
		req := httptest.NewRequest(http.MethodGet, "/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	}

	call(idp.issue(idp.kid))

	// The provider goes down. The keys fetched before still verify, but a
	// kid not seen yet cannot be looked up: that is no fault of the token,
	// and the answer is 503 (Retry-After set), not 401. With the provider
	// up, a kid it does not publish answers 401 token_invalid.
	idp.Close()
	call(idp.issue(idp.kid))
	call(idp.issue("2027-01"))
	// Output:
	// 200 {"id":"alice"}
	// 200 {"id":"alice"}
	// 503 {"error":"auth_unavailable","msg":"Authentication temporarily unavailable"}
}
