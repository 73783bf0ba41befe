// Package docs holds the repository's guides and the test that compiles
// every Go snippet of them, so that no snippet of the README can rot.
package docs
