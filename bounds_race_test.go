//go:build race

package ginjwt

// underRace is true when the race detector runs: sync.Pool then drops
// items at random, so allocation counts say nothing about the code.
const underRace = true
