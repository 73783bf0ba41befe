package ginjwt

import (
	"encoding/json"

	"github.com/gin-gonic/gin"
)

// problem is an RFC 9457 problem details object. "error" is an extension
// member holding the taxonomy code, so clients can switch on it as they
// would on the default body.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Code   string `json:"error"`
	Detail string `json:"detail,omitempty"`
}

// ProblemJSON returns an ErrorHandler that answers with RFC 9457
// application/problem+json bodies:
//
//	{"type": typeBase+code, "title": message, "status": 401, "error": code}
//
// With an empty typeBase the type is "about:blank". As with the default
// body, only gin's debug mode adds "detail", the cause. The
// WWW-Authenticate and Retry-After headers are the default ones.
func ProblemJSON(typeBase string) ErrorHandler {
	return func(c *gin.Context, err *Error) {
		p := problem{Type: "about:blank", Title: err.Message, Status: err.Status, Code: err.Code}
		if typeBase != "" {
			p.Type = typeBase + err.Code
		}
		if gin.IsDebugging() && err.Err != nil {
			p.Detail = scrub(err.Err.Error())
		}
		body, _ := json.Marshal(p) // only strings and an int
		c.Data(err.Status, "application/problem+json", body)
	}
}
