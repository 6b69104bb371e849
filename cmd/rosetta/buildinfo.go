package main

import (
	"runtime/debug"

	"github.com/prometheus/common/version"
)

func init() {
	if bi, ok := debug.ReadBuildInfo(); ok {
		fillVersion(bi)
	}
}

// fillVersion fills prometheus/common/version's variables that the release
// ldflags (make build, the image) did not set from what Go records in
// every binary: `go build`, `go install` and `go run` then show the module
// version (a tag, or a pseudo-version with +dirty) and the commit, not
// "(version=, revision=unknown)". Values given by ldflags win.
func fillVersion(bi *debug.BuildInfo) {
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if version.Version == "" {
		version.Version = bi.Main.Version
		if version.Version == "" || version.Version == "(devel)" {
			version.Version = "devel"
		}
	}
	if version.Revision == "" {
		if rev := settings["vcs.revision"]; rev != "" {
			if settings["vcs.modified"] == "true" {
				rev += "-modified"
			}
			version.Revision = rev
		}
	}
	if version.BuildDate == "" {
		version.BuildDate = settings["vcs.time"]
	}
}
