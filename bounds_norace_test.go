//go:build !race

package ginjwt

// underRace is true when the race detector runs.
const underRace = false
