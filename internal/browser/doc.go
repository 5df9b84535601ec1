// Package browser finds Chromium for the tests that drive a page in a
// real browser, and starts it headless on a page. A test that finds no
// Chromium skips, or fails when HERALD_BROWSER_TEST=1 (as CI sets it).
package browser
