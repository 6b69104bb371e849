package inputs

import "regexp"

// userinfoPassword matches the password of a URL's userinfo
// (scheme://user:password@), whether or not the rest of the URL parses:
// a user or password that makes the URL invalid (a space, say) is matched
// too, up to the last '@' before the path, a quote or the end of the line.
var userinfoPassword = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^/?#@:"'\n]*):[^/?#"'\n]*@`)

// RedactURL returns s with the password of any URL in it replaced by
// "xxxxx", as url.URL.Redacted does, for log lines and errors. It works on
// text that does not parse as a URL (a config error quoting one) too.
func RedactURL(s string) string {
	return userinfoPassword.ReplaceAllString(s, "${1}:xxxxx@")
}
