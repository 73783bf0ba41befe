// Package bench compares the request cost of ginjwt's middleware with a
// hand-written golang-jwt middleware, with appleboy/gin-jwt v2 and v3,
// and with gin serving the same route without authentication. Everything
// lives in its test files; see README.md for how to run and read it.
package bench
