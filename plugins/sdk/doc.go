// Package sdk is what a Go input driver plugin for Rosetta imports: one
// Serve call in main, a Writer with a sample builder to emit samples, Config
// to decode the input's config block with positioned errors, and Logger for
// logs that reach Rosetta's log with the input's name. Package sdktest runs
// a driver in-process for tests.
//
// A push driver implements Pusher: Run emits samples as they happen until
// its context ends. A pull driver implements Puller: Collect emits the
// complete current state each time Rosetta polls it.
package sdk
