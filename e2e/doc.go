// Package e2e holds the browser test of the example app's cookie flow: it
// builds the example, serves it on a free local port and drives its page
// in headless Chromium through the DevTools protocol (chromedp).
//
// The test skips when no Chromium or Chrome is installed, unless the
// environment sets GINJWT_CI=1, as the CI script does: then a missing
// browser fails the test.
//
//	apt-get install -y chromium
//	go test ./e2e/...     # through go.work, from the repository root
package e2e
