package ginjwt

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims and time. Every case runs twice, against a key set and against a
// key function holding the same secret: how keys are configured must not
// change what a token is told.

const jwtHeader = `{"alg":"HS256","typ":"JWT"}`

// namedAuth is an Auth under test with a name for subtests.
type namedAuth struct {
	name string
	auth *Auth
}

// bothKeyModes returns an Auth on the test secret as a key set and one
// on the same secret through a key function, each adjusted by edit.
func bothKeyModes(t testing.TB, edit func(*Config)) []namedAuth {
	t.Helper()
	keyfunc := func(c *Config) {
		c.Keys = nil
		c.Keyfunc = func(*jwt.Token) (any, error) { return testSecret, nil }
		c.Algorithms = []string{"HS256"}
	}
	return []namedAuth{
		{"key set", newAuth(t, edit)},
		{"key function", newAuth(t, func(c *Config) {
			if edit != nil {
				edit(c)
			}
			keyfunc(c)
		})},
	}
}

// claimCase is a payload, signed with the right key, and the expected
// answer: a code, or "" for a request that goes through.
type claimCase struct {
	name    string
	payload string
	code    string
}

// runClaimCases signs each case's payload and checks the answer of every
// Auth of auths.
func runClaimCases(t *testing.T, auths []namedAuth, cases []claimCase,
	opts ...Option) {
	t.Helper()
	for _, au := range auths {
		for _, tt := range cases {
			t.Run(au.name+"/"+tt.name, func(t *testing.T) {
				token := hs256(t, jwtHeader, tt.payload)
				res, ran := attemptToken(t, au.auth, token, opts...)
				if tt.code == "" {
					assertAccepted(t, res, ran, "alice")
					return
				}
				assertRefused(t, res, ran, tt.code, token)
			})
		}
	}
}

// claimsAt builds a payload for alice from raw members.
func claimsAt(members ...string) string {
	return `{"sub":"alice","type":"access"` + prefixed(members) + `}`
}

func prefixed(members []string) string {
	if len(members) == 0 {
		return ""
	}
	return "," + strings.Join(members, ",")
}

// at returns a NumericDate member d from the test clock.
func at(name string, d time.Duration) string {
	return `"` + name + `":` + unix(testNow.Add(d))
}

func TestExpiry(t *testing.T) {
	strict := bothKeyModes(t, nil)
	lenient := bothKeyModes(t, func(c *Config) { c.Leeway = 30 * time.Second })
	expired, claims := CodeTokenExpired, CodeInvalidClaims
	soon := unix(testNow.Add(time.Minute))

	runClaimCases(t, strict, []claimCase{
		{"exp in a minute", claimsAt(at("exp", time.Minute)), ""},
		{"exp in one second", claimsAt(at("exp", time.Second)), ""},
		{"exp now", claimsAt(at("exp", 0)), expired},
		{"exp one second ago", claimsAt(at("exp", -time.Second)), expired},
		{"exp long ago", claimsAt(`"exp":1`), expired},
		{"exp zero", claimsAt(`"exp":0`), expired},
		{"exp negative zero", claimsAt(`"exp":-0`), expired},
		{"exp with a fraction", claimsAt(`"exp":` + soon + `.5`), ""},
		{"exp as an exponent", claimsAt(`"exp":1e3`), expired},
		{"exp in year 9999", claimsAt(`"exp":253402300799`), ""},
		{"exp after year 9999", claimsAt(`"exp":253402300800`), claims},
		{"exp missing", claimsAt(), claims},
		{"exp null", claimsAt(`"exp":null`), claims},
		{"exp as a string", claimsAt(`"exp":"` + soon + `"`), claims},
		{"exp as a word", claimsAt(`"exp":"tomorrow"`), claims},
		{"exp true", claimsAt(`"exp":true`), claims},
		{"exp false", claimsAt(`"exp":false`), claims},
		{"exp an object", claimsAt(`"exp":{"$date":1}`), claims},
		{"exp an array", claimsAt(`"exp":[` + soon + `]`), claims},
		{"exp 1e300", claimsAt(`"exp":1e300`), claims},
		{"exp 1e400", claimsAt(`"exp":1e400`), claims},
		{"exp beyond int64", claimsAt(`"exp":99999999999999999999`), claims},
		{"exp negative", claimsAt(`"exp":-1`), claims},
		{"exp -1e300", claimsAt(`"exp":-1e300`), claims},
	})
	runClaimCases(t, lenient, []claimCase{
		{"exp now", claimsAt(at("exp", 0)), ""},
		{"exp one second ago", claimsAt(at("exp", -time.Second)), ""},
		{"exp inside the leeway", claimsAt(at("exp", -29*time.Second)), ""},
		{"exp at the leeway", claimsAt(at("exp", -30*time.Second)), expired},
		{"exp outside the leeway", claimsAt(at("exp", -31*time.Second)), expired},
		{"exp missing", claimsAt(), claims},
	})
}

func TestNotBeforeAndIssuedAt(t *testing.T) {
	strict := bothKeyModes(t, nil)
	lenient := bothKeyModes(t, func(c *Config) { c.Leeway = 30 * time.Second })
	exp := at("exp", time.Minute)
	early, claims := CodeTokenNotYetValid, CodeInvalidClaims

	var cases []claimCase
	for _, name := range []string{"nbf", "iat"} {
		cases = append(cases,
			claimCase{name + " now", claimsAt(exp, at(name, 0)), ""},
			claimCase{name + " past", claimsAt(exp, at(name, -time.Hour)), ""},
			claimCase{name + " null", claimsAt(exp, `"`+name+`":null`), ""},
			claimCase{name + " a second ahead", claimsAt(exp, at(name, time.Second)), early},
			claimCase{name + " a year ahead", claimsAt(exp, at(name, 365*24*time.Hour)), early},
			claimCase{name + " as a string", claimsAt(exp, `"`+name+`":"0"`), claims},
			claimCase{name + " true", claimsAt(exp, `"`+name+`":true`), claims},
			claimCase{name + " an object", claimsAt(exp, `"`+name+`":{}`), claims},
			claimCase{name + " an array", claimsAt(exp, `"`+name+`":[0]`), claims},
			claimCase{name + " 1e300", claimsAt(exp, `"`+name+`":1e300`), claims},
			claimCase{name + " negative", claimsAt(exp, `"`+name+`":-1`), claims},
		)
	}
	runClaimCases(t, strict, cases)
	runClaimCases(t, lenient, []claimCase{
		{"nbf inside the leeway", claimsAt(exp, at("nbf", 29*time.Second)), ""},
		{"nbf outside the leeway", claimsAt(exp, at("nbf", 31*time.Second)), early},
		{"iat inside the leeway", claimsAt(exp, at("iat", 29*time.Second)), ""},
		{"iat outside the leeway", claimsAt(exp, at("iat", 31*time.Second)), early},
	})
}

func TestIssuerAudienceSubject(t *testing.T) {
	exp := at("exp", time.Minute)
	bad := CodeInvalidClaims
	issuer := bothKeyModes(t, func(c *Config) { c.Issuer = "https://issuer.test" })
	audience := bothKeyModes(t, func(c *Config) {
		c.Audience = []string{"api", "admin"}
	})
	subject := bothKeyModes(t, func(c *Config) { c.Subject = "alice" })

	runClaimCases(t, issuer, []claimCase{
		{"iss right", claimsAt(exp, `"iss":"https://issuer.test"`), ""},
		{"iss wrong", claimsAt(exp, `"iss":"https://attacker.test"`), bad},
		{"iss with a trailing slash", claimsAt(exp, `"iss":"https://issuer.test/"`), bad},
		{"iss of another case", claimsAt(exp, `"iss":"https://ISSUER.test"`), bad},
		{"iss missing", claimsAt(exp), bad},
		{"iss null", claimsAt(exp, `"iss":null`), bad},
		{"iss empty", claimsAt(exp, `"iss":""`), bad},
		{"iss a number", claimsAt(exp, `"iss":1`), bad},
		{"iss an array", claimsAt(exp, `"iss":["https://issuer.test"]`), bad},
		{"iss true", claimsAt(exp, `"iss":true`), bad},
	})
	runClaimCases(t, audience, []claimCase{
		{"aud one of them", claimsAt(exp, `"aud":"api"`), ""},
		{"aud a list holding one", claimsAt(exp, `"aud":["web","admin"]`), ""},
		{"aud wrong", claimsAt(exp, `"aud":"web"`), bad},
		{"aud of another case", claimsAt(exp, `"aud":"API"`), bad},
		{"aud with a space", claimsAt(exp, `"aud":"api "`), bad},
		{"aud missing", claimsAt(exp), bad},
		{"aud null", claimsAt(exp, `"aud":null`), bad},
		{"aud empty list", claimsAt(exp, `"aud":[]`), bad},
		{"aud empty string", claimsAt(exp, `"aud":""`), bad},
		{"aud a number", claimsAt(exp, `"aud":123`), bad},
		{"aud numbers", claimsAt(exp, `"aud":[1,2]`), bad},
		{"aud an object", claimsAt(exp, `"aud":{"api":true}`), bad},
		{"aud a list with null", claimsAt(exp, `"aud":[null,"api"]`), bad},
	})
	runClaimCases(t, subject, []claimCase{
		{"sub right", claimsAt(exp), ""},
		{"sub wrong", `{"sub":"mallory",` + exp + `}`, bad},
		{"sub of another case", `{"sub":"ALICE",` + exp + `}`, bad},
		{"sub missing", `{` + exp + `}`, bad},
		{"sub null", `{"sub":null,` + exp + `}`, bad},
		{"sub a number", `{"sub":123,` + exp + `}`, bad},
		{"sub an array", `{"sub":["alice"],` + exp + `}`, bad},
	})
}

func TestClaimValuesOfTheWrongType(t *testing.T) {
	auths := bothKeyModes(t, nil)
	exp := at("exp", time.Minute)
	bad := CodeInvalidClaims
	payload := func(members ...string) string {
		return `{` + exp + prefixed(members) + `}`
	}

	// A signed token whose claims do not fit their types must be refused
	// as invalid claims, never a panic, never a 500.
	runClaimCases(t, auths, []claimCase{
		{"sub a number", payload(`"sub":123`), bad},
		{"sub true", payload(`"sub":true`), bad},
		{"sub zero", payload(`"sub":0`), bad},
		{"sub an object", payload(`"sub":{"id":"alice"}`), bad},
		{"jti a number", payload(`"sub":"alice"`, `"jti":5`), bad},
		{"type true", payload(`"sub":"alice"`, `"type":true`), bad},
		{"type zero", payload(`"sub":"alice"`, `"type":0`), bad},
		{"type an array", payload(`"sub":"alice"`, `"type":["access"]`), bad},
		{"fresh yes", payload(`"sub":"alice"`, `"fresh":"yes"`), bad},
		{"fresh 1e300", payload(`"sub":"alice"`, `"fresh":1e300`), bad},
		{"fresh negative", payload(`"sub":"alice"`, `"fresh":-1`), bad},
		{"fresh an object", payload(`"sub":"alice"`, `"fresh":{}`), bad},
		{"csrf a number", payload(`"sub":"alice"`, `"csrf":1`), bad},
		{"iss an object", payload(`"sub":"alice"`, `"iss":{}`), bad},
		{"aud a number", payload(`"sub":"alice"`, `"aud":1`), bad},
	})
	// Values that stand for an absent claim.
	runClaimCases(t, auths, []claimCase{
		{"type null", payload(`"sub":"alice"`, `"type":null`), ""},
		{"fresh null", payload(`"sub":"alice"`, `"fresh":null`), ""},
		{"fresh false", payload(`"sub":"alice"`, `"fresh":false`), ""},
		{"fresh zero", payload(`"sub":"alice"`, `"fresh":0`), ""},
		{"jti null", payload(`"sub":"alice"`, `"jti":null`), ""},
		{"unknown claims of any type", payload(`"sub":"alice"`, `"x":null`, `"y":true`,
			`"z":{"a":[1,"b",null]}`), ""},
	})
}

func TestTokenTypeAndFreshness(t *testing.T) {
	auths := bothKeyModes(t, nil)
	exp := at("exp", time.Minute)
	wrong, fresh := CodeWrongTokenType, CodeFreshTokenRequired

	refreshToken := `{"sub":"alice","type":"refresh",` + exp + `}`
	runClaimCases(t, auths, []claimCase{
		{"refresh token", refreshToken, wrong},
		{"unknown type", `{"sub":"alice","type":"id",` + exp + `}`, wrong},
		{"type of another case", `{"sub":"alice","type":"ACCESS",` + exp + `}`, wrong},
		{"type empty", `{"sub":"alice","type":"",` + exp + `}`, wrong},
	})
	runClaimCases(t, auths, []claimCase{
		{"refresh token on a refresh route", refreshToken, ""},
	}, RefreshOnly())
	for _, au := range auths {
		for name, payload := range map[string]string{
			"access token on a refresh route":  claimsAt(exp),
			"unknown type on a refresh route":  `{"sub":"alice","type":"id",` + exp + `}`,
			"fresh access on a refresh route":  claimsAt(exp, `"fresh":true`),
			"untyped token on a refresh route": `{"sub":"alice",` + exp + `}`,
		} {
			t.Run(au.name+"/"+name, func(t *testing.T) {
				token := hs256(t, jwtHeader, payload)
				res, ran := attemptToken(t, au.auth, token, RefreshOnly())
				assertRefusedWith(t, res, ran, wrong, msgRefreshOnly, token)
			})
		}
	}
	runClaimCases(t, auths, []claimCase{
		{"fresh", claimsAt(exp, `"fresh":true`), ""},
		{"fresh until later", claimsAt(exp, at("fresh", time.Minute)), ""},
		{"fresh until now", claimsAt(exp, at("fresh", 0)), fresh},
		{"fresh until earlier", claimsAt(exp, at("fresh", -time.Minute)), fresh},
		{"not fresh", claimsAt(exp, `"fresh":false`), fresh},
		{"freshness absent", claimsAt(exp), fresh},
		{"fresh as a string", claimsAt(exp, `"fresh":"true"`), CodeInvalidClaims},
		{"fresh refresh token", `{"sub":"alice","type":"refresh","fresh":true,` +
			exp + `}`, wrong},
	}, FreshOnly())
}

func TestDuplicateAndCaseCollidingClaims(t *testing.T) {
	auths := bothKeyModes(t, nil)
	exp := at("exp", time.Minute)
	later := at("exp", time.Hour)
	past := at("exp", -time.Hour)
	bad := CodeTokenMalformed

	runClaimCases(t, auths, []claimCase{
		{"sub twice", `{"sub":"alice","sub":"admin",` + exp + `}`, bad},
		{"sub twice, same value", `{"sub":"alice","sub":"alice",` + exp + `}`, bad},
		{"exp twice", `{"sub":"alice",` + past + `,` + later + `}`, bad},
		{"exp twice, same value", `{"sub":"alice",` + exp + `,` + exp + `}`, bad},
		{"type twice", `{"sub":"alice","type":"refresh","type":"access",` + exp + `}`,
			bad},
		{"escaped sub after sub", `{"sub":"alice","s\u0075b":"admin",` + exp + `}`, bad},
		{"escaped exp after exp", `{"sub":"alice",` + exp + `,"\u0065xp":1}`, bad},
		{"unknown claim twice", `{"sub":"alice","role":"a","role":"b",` + exp + `}`, bad},
		{"sub and SUB", `{"sub":"alice","SUB":"admin",` + exp + `}`, bad},
		{"SUB before sub", `{"SUB":"admin","sub":"alice",` + exp + `}`, bad},
		{"Sub alone", `{"Sub":"alice",` + exp + `}`, bad},
		{"EXP alone", `{"sub":"alice","EXP":` + unix(testNow.Add(time.Hour)) + `}`,
			bad},
		{"Exp and exp", `{"sub":"alice","Exp":1,` + exp + `}`, bad},
		{"Type alone", `{"sub":"alice","Type":"refresh",` + exp + `}`, bad},
		{"sub with a long s", `{"\u017fub":"admin","sub":"alice",` + exp + `}`, bad},
		{"long s sub alone", `{"\u017fub":"alice",` + exp + `}`, bad},
	})
}

func TestHeaderAndPayloadShapes(t *testing.T) {
	auths := bothKeyModes(t, nil)
	for _, au := range auths {
		payloads := []struct{ name, payload, code string }{
			{"null", `null`, CodeTokenMalformed},
			{"array", `[{"sub":"alice"}]`, CodeTokenMalformed},
			{"string", `"alice"`, CodeTokenMalformed},
			{"number", `1`, CodeTokenMalformed},
			{"true", `true`, CodeTokenMalformed},
			{"empty", ``, CodeTokenMalformed},
			{"blank", ` `, CodeTokenMalformed},
			{"two objects", claimsAt(at("exp", time.Minute)) + `{}`, CodeTokenMalformed},
			{"trailing comma", `{"sub":"alice",}`, CodeTokenMalformed},
			{"truncated", `{"sub":"alice"`, CodeTokenMalformed},
			{"single quotes", `{'sub':'alice'}`, CodeTokenMalformed},
			{"empty object", `{}`, CodeInvalidClaims},
			{"broken after a date of the wrong type", `{"iat":"" x`, CodeTokenMalformed},
			{"broken after a case-folded claim", `{"SUB":"a",]`, CodeTokenMalformed},
			{"deep nesting", `{"sub":"alice","x":` + strings.Repeat("[", 40) +
				strings.Repeat("]", 40) + `,` + at("exp", time.Minute) + `}`, CodeTokenMalformed},
		}
		for _, tt := range payloads {
			t.Run(au.name+"/payload "+tt.name, func(t *testing.T) {
				token := hs256(t, jwtHeader, tt.payload)
				res, ran := attemptToken(t, au.auth, token)
				assertRefused(t, res, ran, tt.code, token)
			})
		}
		payload := claimsAt(at("exp", time.Minute))
		headers := []struct{ name, header, code string }{
			{"null", `null`, CodeTokenMalformed},
			{"array", `["HS256"]`, CodeTokenMalformed},
			{"string", `"HS256"`, CodeTokenMalformed},
			{"empty", ``, CodeTokenMalformed},
			{"truncated", `{"alg":"HS256"`, CodeTokenMalformed},
			{"trailing comma", `{"alg":"HS256",}`, CodeTokenMalformed},
			{"two objects", `{"alg":"HS256"}{}`, CodeTokenMalformed},
			{"alg twice", `{"alg":"HS256","alg":"HS256"}`, CodeTokenMalformed},
			{"alg twice, differing", `{"alg":"none","alg":"HS256"}`, CodeTokenMalformed},
			{"escaped alg twice", `{"alg":"HS256","\u0061lg":"HS256"}`, CodeTokenMalformed},
			{"kid twice", `{"alg":"HS256","kid":"a","kid":"b"}`, CodeTokenMalformed},
			{"unknown crit", `{"alg":"HS256","crit":["exp"],"exp":1}`, CodeTokenInvalid},
			{"crit b64", `{"alg":"HS256","crit":["b64"],"b64":false}`, CodeTokenInvalid},
			{"crit empty", `{"alg":"HS256","crit":[]}`, CodeTokenInvalid},
			{"escaped crit", `{"alg":"HS256","cr\u0069t":["x"],"x":1}`, CodeTokenInvalid},
			{"deep nesting", `{"alg":"HS256","x":` + strings.Repeat("[", 40) +
				strings.Repeat("]", 40) + `}`, CodeTokenMalformed},
		}
		for _, tt := range headers {
			t.Run(au.name+"/header "+tt.name, func(t *testing.T) {
				token := hs256(t, tt.header, payload)
				res, ran := attemptToken(t, au.auth, token)
				assertRefused(t, res, ran, tt.code, token)
			})
		}
	}
}
