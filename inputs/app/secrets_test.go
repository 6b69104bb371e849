package app

import (
	"strings"
	"testing"
)

// TestConfigErrorsRedactPasswords: a target URL with a password is quoted
// by config errors (which reach logs and, before, the reload answer)
// without it.
func TestConfigErrorsRedactPasswords(t *testing.T) {
	const secret = "s3cretPW"
	for _, targets := range [][]string{
		{"http://u:" + secret + "@h:80/a", "http://u:" + secret + "@h:80/a"}, // twice
		{"http://u:" + secret + "@h:80/%zz"},                                 // does not parse
		{"ftp://u:" + secret + "@h/"},                                        // not http
	} {
		c := DefaultCommon
		c.Targets = targets
		err := c.validate(false)
		if err == nil {
			t.Errorf("%v: no error", targets)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the password: %v", err)
		}
	}
	if got := redact("http://u:" + secret + "@h/"); strings.Contains(got, secret) {
		t.Errorf("redact: %s", got)
	}
}
