// Package library embeds Rosetta's curated mapping files, referenced from a
// config as `library:NAME` (NAME.yml in this directory).
package library

import "embed"

// FS holds the curated mapping files; library:NAME reads NAME.yml.
//
//go:embed *
var FS embed.FS
