// Package plugin is the host side of external input drivers: an
// inputs.Driver (type "plugin") that launches a plugin executable through
// hashicorp/go-plugin, speaks the contract of plugins/proto to it, and
// supervises it (restart with backoff on exit, crash or a stalled stream;
// the plugin dies with Rosetta). plugins/README.md is the user
// documentation.
package plugin
