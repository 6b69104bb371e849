package main

import (
	"runtime/debug"
	"testing"

	"github.com/prometheus/common/version"
)

func TestFillVersion(t *testing.T) {
	type vars struct{ version, revision, date string }
	settings := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	cases := []struct {
		name   string
		ldflag vars
		bi     debug.BuildInfo
		want   vars
	}{
		{"go install of a tag", vars{}, debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}},
			vars{"v1.4.0", "", ""}},
		{"go build in a clean checkout", vars{},
			debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261203155207-2cd2b22431ca"},
				Settings: settings("vcs", "git", "vcs.revision", "2cd2b22431ca017ec05b0fc6257592df3e9a2699", "vcs.time", "2026-12-03T15:52:07Z", "vcs.modified", "false")},
			vars{"v0.0.0-20261203155207-2cd2b22431ca", "2cd2b22431ca017ec05b0fc6257592df3e9a2699", "2026-12-03T15:52:07Z"}},
		{"go build with local changes", vars{},
			debug.BuildInfo{Main: debug.Module{Version: "v1.4.0+dirty"},
				Settings: settings("vcs.revision", "2cd2b22431ca017ec05b0fc6257592df3e9a2699", "vcs.time", "2026-12-03T15:52:07Z", "vcs.modified", "true")},
			vars{"v1.4.0+dirty", "2cd2b22431ca017ec05b0fc6257592df3e9a2699-modified", "2026-12-03T15:52:07Z"}},
		{"no VCS information", vars{}, debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			vars{"devel", "", ""}},
		{"ldflags win", vars{"v2.0.0", "abc", "20261203-12:00:00"},
			debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: settings("vcs.revision", "def", "vcs.time", "2026-01-01T00:00:00Z")},
			vars{"v2.0.0", "abc", "20261203-12:00:00"}},
	}
	saved := vars{version.Version, version.Revision, version.BuildDate}
	defer func() {
		version.Version, version.Revision, version.BuildDate = saved.version, saved.revision, saved.date
	}()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			version.Version, version.Revision, version.BuildDate = tc.ldflag.version, tc.ldflag.revision, tc.ldflag.date
			fillVersion(&tc.bi)
			if got := (vars{version.Version, version.Revision, version.BuildDate}); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
