package inputs

import "testing"

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://u:secret@h:8778/jolokia":                "http://u:xxxxx@h:8778/jolokia",
		`jolokia_url "https://admin:p@ss@h/"`:           `jolokia_url "https://admin:xxxxx@h/"`,
		"parse \"http://u:s%zz@h\": invalid URL escape": "parse \"http://u:xxxxx@h\": invalid URL escape",
		"http://u@h/ and http://h:80/":                  "http://u@h/ and http://h:80/",
		"two http://a:1@x and HTTPS://b:2@y":            "two http://a:xxxxx@x and HTTPS://b:xxxxx@y",
		"no url here: a:b@c":                            "no url here: a:b@c",
		`jolokia_url "http://ad min:pa55@h:1/j/": want`: `jolokia_url "http://ad min:xxxxx@h:1/j/": want`,
		`"http://u:pa ss@h/"`:                           `"http://u:xxxxx@h/"`,
		"http://u:p@h\nhttp://v:q@k":                    "http://u:xxxxx@h\nhttp://v:xxxxx@k",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
