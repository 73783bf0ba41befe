package ginjwt

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// members lists what scanObject reports, as key=value lines, with a *
// after keys that hold escapes.
func members(data string) ([]string, error) {
	var got []string
	err := scanObject([]byte(data), func(key, value []byte, escaped bool) error {
		mark := ""
		if escaped {
			mark = "*"
		}
		got = append(got, string(key)+mark+"="+string(value))
		return nil
	})
	return got, err
}

// nested returns depth arrays inside one another, inside an object.
func nested(depth int) string {
	return `{"a":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
}

func TestScanObject(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr bool
	}{
		{"empty object", `{}`, nil, false},
		{"spaces around", " \t\r\n{ \n} \t", nil, false},
		{"one member", `{"a":1}`, []string{"a=1"}, false},
		{"spaces inside", `{ "a" : "b" , "c" : null }`, []string{"a=\"b\"", "c=null"}, false},
		{"every value kind", `{"s":"x","n":-1.5e3,"t":true,"f":false,"z":null,` +
			`"o":{"p":[1,{}]},"a":[]}`,
			[]string{`s="x"`, "n=-1.5e3", "t=true", "f=false", "z=null",
				`o={"p":[1,{}]}`, "a=[]"}, false},
		{"escaped key", `{"\u0061lg":1}`, []string{`\u0061lg*=1`}, false},
		{"escaped quote in key", `{"a\"b":1}`, []string{`a\"b*=1`}, false},
		{"duplicate keys are reported", `{"a":1,"a":2}`, []string{"a=1", "a=2"}, false},
		{"empty key", `{"":0}`, []string{"=0"}, false},
		{"non-ASCII", `{"é":"ü"}`, []string{`é="ü"`}, false},
		{"invalid UTF-8 is not checked", "{\"\xff\":1}", []string{"\xff=1"}, false},
		{"DEL in a string", "{\"a\":\"\x7f\"}", []string{"a=\"\x7f\""}, false},

		{"empty", ``, nil, true},
		{"spaces only", `  `, nil, true},
		{"array", `[]`, nil, true},
		{"string", `"a"`, nil, true},
		{"number", `1`, nil, true},
		{"null", `null`, nil, true},
		{"unclosed", `{`, nil, true},
		{"unclosed after a member", `{"a":1`, nil, true},
		{"unclosed after a comma", `{"a":1,`, nil, true},
		{"trailing comma", `{"a":1,}`, nil, true},
		{"leading comma", `{,"a":1}`, nil, true},
		{"missing colon", `{"a" 1}`, nil, true},
		{"missing value", `{"a":}`, nil, true},
		{"missing comma", `{"a":1 "b":2}`, nil, true},
		{"unquoted key", `{a:1}`, nil, true},
		{"single quotes", `{'a':1}`, nil, true},
		{"number key", `{1:1}`, nil, true},
		{"two objects", `{}{}`, nil, true},
		{"trailing garbage", `{} x`, nil, true},
		{"trailing NUL", "{}\x00", nil, true},
		{"BOM", "\ufeff{}", nil, true},
		{"vertical tab", "{\v}", nil, true},
		{"form feed", "{\f}", nil, true},
		{"control character in a key", "{\"a\x01\":1}", nil, true},
		{"newline in a string", "{\"a\":\"x\ny\"}", nil, true},
		{"tab in a string", "{\"a\":\"x\ty\"}", nil, true},
		{"bad escape", `{"a":"\x"}`, nil, true},
		{"short unicode escape", `{"a":"\u12"}`, nil, true},
		{"non-hex unicode escape", `{"a":"\u12G4"}`, nil, true},
		{"escape at the end", `{"a":"\`, nil, true},
		{"unclosed string", `{"a":"x}`, nil, true},
		{"truncated literal", `{"a":tru}`, nil, true},
		{"misspelt literal", `{"a":nul}`, nil, true},
		{"upper-case literal", `{"a":True}`, nil, true},
		{"NaN", `{"a":NaN}`, nil, true},
		{"plus sign", `{"a":+1}`, nil, true},
		{"leading zero", `{"a":01}`, nil, true},
		{"bare point", `{"a":.5}`, nil, true},
		{"trailing point", `{"a":1.}`, nil, true},
		{"hex", `{"a":0x10}`, nil, true},
		{"unclosed array", `{"a":[1,2}`, nil, true},
		{"mismatched brackets", `{"a":[}`, nil, true},
		{"trailing comma in an array", `{"a":[1,]}`, nil, true},
		{"object with a bare value", `{"a":{1}}`, nil, true},
		{"comment", `{/**/}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := members(tt.in)
			if tt.wantErr {
				assert.Error(t, err, "members %q", got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestScanObjectStopsAtTheCallbackError(t *testing.T) {
	calls := 0
	err := scanObject([]byte(`{"a":1,"b":2,"c":3}`), func(key, _ []byte, _ bool) error {
		calls++
		if string(key) == "b" {
			return errDuplicate
		}
		return nil
	})
	assert.ErrorIs(t, err, errDuplicate)
	assert.Equal(t, 2, calls)
}

func TestScanObjectDepthLimit(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"nesting just under the limit", nested(maxDepth - 1), false},
		{"nesting at the limit", nested(maxDepth), true},
		{"objects just under the limit", `{"a":` + strings.Repeat(`{"a":`, maxDepth-1) +
			`1` + strings.Repeat(`}`, maxDepth), false},
		{"objects at the limit", `{"a":` + strings.Repeat(`{"a":`, maxDepth) +
			`1` + strings.Repeat(`}`, maxDepth+1), true},
		{"100k deep", nested(100_000), true},
		{"100k deep, unclosed", `{"a":` + strings.Repeat("[", 100_000), true},
		{"wide, not deep", `{"a":[` + strings.Repeat("[],", 10_000) + `[]]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := members(tt.in)
			if tt.wantErr {
				assert.Error(t, err)
			} else {
				assert.NoError(t, err)
			}
		})
	}
}

// skip calls skipValue at depth, under the header and payload limit.
func skip(in string, start, depth int) (int, error) {
	return skipValue([]byte(in), start, depth, maxDepth)
}

func TestSkipValue(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		start   int
		wantEnd int
		wantErr bool
	}{
		{"string", `"ab" x`, 0, 4, false},
		{"number", `-12.5e+3,`, 0, 8, false},
		{"true", `true]`, 0, 4, false},
		{"false", `false`, 0, 5, false},
		{"null", `null}`, 0, 4, false},
		{"empty array", `[ ]`, 0, 3, false},
		{"empty object", `{ }`, 0, 3, false},
		{"array", `[1, "a", [null]] x`, 0, 16, false},
		{"object", `{"a": {"b": []}}`, 0, 16, false},
		{"from an offset", `xx[1]`, 2, 5, false},
		{"at the end", `x`, 1, 1, true},
		{"empty", ``, 0, 0, true},
		{"a space", ` 1`, 0, 0, true},
		{"a letter", `x`, 0, 0, true},
		{"a closing bracket", `]`, 0, 0, true},
		{"a colon", `:`, 0, 0, true},
		{"array with a key", `["a":1]`, 0, 0, true},
		{"object without a key", `{1}`, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var end int
			var err error
			require.NotPanics(t, func() { end, err = skip(tt.in, tt.start, 1) })
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantEnd, end)
		})
	}
	t.Run("depth", func(t *testing.T) {
		_, err := skip(`[]`, 0, maxDepth)
		assert.Error(t, err)
		end, err := skip(`[]`, 0, maxDepth-1)
		assert.NoError(t, err)
		assert.Equal(t, 2, end)
		end, err = skip(`1`, 0, maxDepth)
		assert.NoError(t, err, "scalars are not nesting")
		assert.Equal(t, 1, end)
	})
}

func TestScanString(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		wantEnd     int
		wantEscaped bool
		wantErr     bool
	}{
		{"empty", `""`, 2, false, false},
		{"plain", `"abc",`, 5, false, false},
		{"every short escape", `"\"\\\/\b\f\n\r\t"`, 18, true, false},
		{"unicode escape", `"\u00e9"`, 8, true, false},
		{"upper-case hex", `"\u00E9"`, 8, true, false},
		{"surrogate pair", `"\ud83d\ude00"`, 14, true, false},
		{"lone surrogate", `"\ud800"`, 8, true, false},
		{"escaped NUL", `"\u0000"`, 8, true, false},
		{"UTF-8", `"héllo"`, 8, false, false},
		{"DEL", "\"\x7f\"", 3, false, false},
		{"stops at the first quote", `"a"b"`, 3, false, false},

		{"unclosed", `"abc`, 0, false, true},
		{"only a quote", `"`, 0, false, true},
		{"NUL", "\"\x00\"", 0, false, true},
		{"newline", "\"\n\"", 0, false, true},
		{"unit separator", "\"\x1f\"", 0, false, true},
		{"bad escape", `"\a"`, 0, false, true},
		{"escaped single quote", `"\'"`, 0, false, true},
		{"capital U escape", `"\U00e9"`, 0, false, true},
		{"short unicode escape", `"\u00e"`, 0, false, true},
		{"unicode escape at the end", `"\u00`, 0, false, true},
		{"backslash at the end", `"\`, 0, false, true},
		{"escaped closing quote", `"\"`, 0, false, true},
		{"hex with a sign", `"\u+123"`, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var end int
			var escaped bool
			var err error
			require.NotPanics(t, func() { end, escaped, err = scanString([]byte(tt.in), 0) })
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantEnd, end)
			assert.Equal(t, tt.wantEscaped, escaped)
		})
	}
}

func TestScanNumber(t *testing.T) {
	tests := []struct {
		in      string
		wantEnd int
		wantErr bool
	}{
		{"0", 1, false},
		{"-0", 2, false},
		{"7", 1, false},
		{"-7", 2, false},
		{"1234567890", 10, false},
		{"1.5", 3, false},
		{"-0.0", 4, false},
		{"1e5", 3, false},
		{"1E5", 3, false},
		{"1e+5", 4, false},
		{"1e-5", 4, false},
		{"1.5e-10", 7, false},
		{"1e400", 5, false},
		// The grammar stops where a number ends; callers judge the rest.
		{"01", 1, false},
		{"-01", 2, false},
		{"1,", 1, false},
		{"0x10", 1, false},
		{"1.5.5", 3, false},
		{"1e5e5", 3, false},

		{"-", 0, true},
		{"--1", 0, true},
		{"+1", 0, true},
		{".5", 0, true},
		{"-.5", 0, true},
		{"1.", 0, true},
		{"1.e5", 0, true},
		{"1e", 0, true},
		{"1e+", 0, true},
		{"1E-", 0, true},
		{"-a", 0, true},
		{"e5", 0, true},
		{"Infinity", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var end int
			var err error
			require.NotPanics(t, func() { end, err = scanNumber([]byte(tt.in), 0) })
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantEnd, end)
		})
	}
}

func TestNumericDate(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"0", 0, false},
		{"-0", 0, false},
		{"1", 1, false},
		{"1798891200", 1798891200, false},
		{"1798891200.999", 1798891200, false},
		{"1.5e9", 1500000000, false},
		{"1E3", 1000, false},
		{"1e-400", 0, false},
		{"0.5", 0, false},
		{"253402300799", 253402300799, false},
		{"253402300799.5", 253402300799, false},
		{"2.53402300799e11", 253402300799, false},
		{"123456789012345e-3", 123456789012, false},

		{"253402300800", 0, true},
		{"999999999999", 0, true},
		{"99999999999999999999", 0, true},
		{"9223372036854775808", 0, true},
		{"1e300", 0, true},
		{"1e400", 0, true},
		{"-1", 0, true},
		{"-0.5", 0, true},
		{"-1e300", 0, true},
		{"01", 0, true},
		{"1.", 0, true},
		{".5", 0, true},
		{" 1", 0, true},
		{"1 ", 0, true},
		{`"1"`, 0, true},
		{"true", 0, true},
		{"null", 0, true},
		{"1,", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			var got int64
			var err error
			require.NotPanics(t, func() { got, err = numericDate([]byte(tt.in)) })
			if tt.wantErr {
				assert.Error(t, err, "got %d", got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFreshnessUnmarshalNeverPanics(t *testing.T) {
	for _, in := range []string{"", " ", "\n", "-", "1.", "true", "1e999"} {
		t.Run(fmt.Sprintf("%q", in), func(t *testing.T) {
			var f Freshness
			assert.NotPanics(t, func() { _ = f.UnmarshalJSON([]byte(in)) })
		})
	}
}

func TestReadHeader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		alg     string
		kid     string
		hasKID  bool
		wantErr error
	}{
		{"alg only", `{"alg":"HS256"}`, "HS256", "", false, nil},
		{"alg and kid", `{"kid":"k1","alg":"ES256"}`, "ES256", "k1", true, nil},
		{"other members ignored", `{"alg":"RS256","typ":"JWT","cty":"x","jwk":{},` +
			`"jku":"http://x","x5u":"http://x","x5c":["AA"],"x5t":"x"}`, "RS256", "", false, nil},
		{"escaped alg value", `{"alg":"HS\u0032\u0035\u0036"}`, "HS256", "", false, nil},
		{"escaped name", `{"\u0061lg":"HS256","\u006bid":"a"}`, "HS256", "a", true, nil},
		{"escaped slash in kid", `{"alg":"HS256","kid":"a\/b"}`, "HS256", "a/b", true, nil},
		{"NUL in alg", `{"alg":"HS256\u0000"}`, "HS256\x00", "", false, nil},
		{"ALG is not alg", `{"alg":"HS256","ALG":"none"}`, "HS256", "", false, nil},
		{"spaces", ` { "alg" : "HS256" } `, "HS256", "", false, nil},

		{"alg missing", `{"typ":"JWT"}`, "", "", false, errAlgMissing},
		{"empty object", `{}`, "", "", false, errAlgMissing},
		{"alg a number", `{"alg":1}`, "", "", false, errAlgType},
		{"alg null", `{"alg":null}`, "", "", false, errAlgType},
		{"alg an array", `{"alg":["HS256"]}`, "", "", false, errAlgType},
		{"alg an object", `{"alg":{}}`, "", "", false, errAlgType},
		{"alg twice", `{"alg":"HS256","alg":"HS256"}`, "", "", false, errDuplicate},
		{"alg twice, escaped", `{"alg":"HS256","\u0061lg":"none"}`, "", "", false,
			errDuplicate},
		{"kid twice", `{"alg":"HS256","kid":"a","kid":"a"}`, "", "", false, errDuplicate},
		{"kid empty", `{"alg":"HS256","kid":""}`, "", "", false, errKIDType},
		{"kid a number", `{"alg":"HS256","kid":1}`, "", "", false, errKIDType},
		{"kid null", `{"alg":"HS256","kid":null}`, "", "", false, errKIDType},
		{"kid an object", `{"alg":"HS256","kid":{"a":1}}`, "", "", false, errKIDType},
		{"kid true", `{"alg":"HS256","kid":true}`, "", "", false, errKIDType},
		{"crit", `{"alg":"HS256","crit":["exp"]}`, "", "", false, errCrit},
		{"crit empty", `{"alg":"HS256","crit":[]}`, "", "", false, errCrit},
		{"crit b64", `{"alg":"HS256","b64":false,"crit":["b64"]}`, "", "", false, errCrit},
		{"crit escaped", `{"alg":"HS256","\u0063rit":["x"]}`, "", "", false, errCrit},
		{"not an object", `["alg","HS256"]`, "", "", false, errJSON},
		{"null", `null`, "", "", false, errJSON},
		{"empty", ``, "", "", false, errJSON},
		{"broken", `{"alg":"HS256"`, "", "", false, errJSON},
		{"bad escape in a name", `{"\u00zz":1,"alg":"HS256"}`, "", "", false, errJSON},
		{"too deep", `{"alg":"HS256","x":` + strings.Repeat("[", 40) +
			strings.Repeat("]", 40) + `}`, "", "", false, errJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h header
			var err error
			require.NotPanics(t, func() { h, err = readHeader([]byte(tt.in)) })
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.alg, string(h.alg))
			assert.Equal(t, tt.kid, string(h.kid))
			assert.Equal(t, tt.hasKID, h.hasKID)
		})
	}
}

func TestCheckPayload(t *testing.T) {
	plain, err := fieldsOf(reflect.TypeOf(new(Claims)))
	require.NoError(t, err)
	custom, err := fieldsOf(reflect.TypeOf(new(appClaims)))
	require.NoError(t, err)
	// More unknown claims than checkPayload tracks without a map.
	many := `{"x":0`
	for i := range 40 {
		many += fmt.Sprintf(`,"c%d":%d`, i, i)
	}

	tests := []struct {
		name    string
		fields  *claimFields
		in      string
		wantErr error
	}{
		{"registered claims", plain, `{"iss":"i","sub":"s","aud":["a"],"exp":1,` +
			`"nbf":1,"iat":1,"jti":"j","type":"access","fresh":true,"csrf":"c"}`, nil},
		{"date claims null", plain, `{"exp":null,"nbf":null,"iat":null}`, nil},
		{"fractional date", plain, `{"exp":1.5}`, nil},
		{"unknown claims", plain, `{"role":"admin","Role":"user","x":[{"y":null}]}`, nil},
		{"many unknown claims", plain, many + `}`, nil},
		{"custom claim", custom, `{"role":"admin","scopes":["a"]}`, nil},
		{"empty object", plain, `{}`, nil},

		{"sub twice", plain, `{"sub":"a","sub":"b"}`, errDuplicate},
		{"escaped sub twice", plain, `{"sub":"a","\u0073ub":"b"}`, errDuplicate},
		{"exp twice", plain, `{"exp":1,"exp":2}`, errDuplicate},
		{"unknown claim twice", plain, `{"x":1,"x":2}`, errDuplicate},
		{"unknown claim twice, escaped", plain, `{"x":1,"\u0078":2}`, errDuplicate},
		{"unknown claim twice after many", plain, many + `,"c39":0}`, errDuplicate},
		{"unknown claim twice at the start of many", plain, many + `,"x":1}`,
			errDuplicate},
		{"custom claim twice", custom, `{"role":"a","role":"b"}`, errDuplicate},
		{"SUB", plain, `{"SUB":"a"}`, errCaseFold},
		{"Sub", plain, `{"Sub":"a"}`, errCaseFold},
		{"sub and SUB", plain, `{"sub":"a","SUB":"b"}`, errCaseFold},
		{"EXP", plain, `{"EXP":1}`, errCaseFold},
		{"Type", plain, `{"Type":"refresh"}`, errCaseFold},
		{"long s", plain, `{"\u017fub":"a"}`, errCaseFold},
		{"Role on a custom type", custom, `{"Role":"admin"}`, errCaseFold},
		{"exp a string", plain, `{"exp":"1"}`, errDateType},
		{"nbf true", plain, `{"nbf":true}`, errDateType},
		{"iat an object", plain, `{"iat":{}}`, errDateType},
		{"exp negative", plain, `{"exp":-1}`, errDateType},
		{"exp 1e300", plain, `{"exp":1e300}`, errDateType},
		{"not an object", plain, `[]`, errJSON},
		{"null", plain, `null`, errJSON},
		{"broken", plain, `{"sub":}`, errJSON},
		{"broken after a date of the wrong type", plain, `{"exp":"1",`, errJSON},
		{"broken after a date out of range", plain, `{"iat":-1 "x"}`, errJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { err = tt.fields.checkPayload([]byte(tt.in)) })
			if tt.wantErr == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.wantErr)
		})
	}
}

// jsonSeeds are documents to compare scanObject with encoding/json on,
// directly and after small edits.
var jsonSeeds = []string{
	`{}`,
	`{"a":1}`,
	`{"alg":"HS256","kid":"k1","typ":"JWT"}`,
	`{"sub":"alice","exp":1798891200,"aud":["a","b"],"x":{"y":[true,false,null]}}`,
	`{"n":-0.5e-10,"m":0,"o":1E+2,"p":[1,2.5,-3]}`,
	`{"s":"\u00e9\n\t\"\\\/","t":""}`,
	` { "a" : [ { } , [ ] ] } `,
	`{"a":"\ud83d\ude00","b":"\u0000"}`,
	`[1,2]`,
	`"str"`,
	`123`,
	`true`,
	`null`,
	`{"a":[[[[[[1]]]]]]}`,
}

// edits returns s and variants of it: each byte deleted, and each byte
// replaced by, or preceded by, bytes that matter to JSON.
func edits(s string) []string {
	const special = "{}[]\":,\\ 0-1.eE+tfnu\x00\x1f\x7f\xff\t\n"
	out := []string{s}
	for i := 0; i < len(s); i++ {
		out = append(out, s[:i]+s[i+1:])
		for j := 0; j < len(special); j++ {
			out = append(out, s[:i]+special[j:j+1]+s[i+1:])
			out = append(out, s[:i]+special[j:j+1]+s[i:])
		}
	}
	return out
}

func TestScanObjectAgreesWithEncodingJSON(t *testing.T) {
	compared := 0
	for _, seed := range jsonSeeds {
		for _, in := range edits(seed) {
			// encoding/json allows deeper nesting than a token needs.
			if strings.Count(in, "[")+strings.Count(in, "{") >= maxDepth {
				continue
			}
			want := json.Valid([]byte(in)) &&
				strings.HasPrefix(strings.TrimLeft(in, " \t\r\n"), "{")
			_, err := members(in)
			assert.Equal(t, want, err == nil, "input %q", in)
			compared++
		}
	}
	t.Logf("compared %d inputs", compared)
	assert.Greater(t, compared, 10_000)
}
