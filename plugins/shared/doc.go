// Package shared is what Rosetta (the host) and Go plugins have in common:
// the go-plugin handshake, the plugin map, the gRPC shims, and the Decoder
// that turns the Batch messages of the contract (plugins/proto) into
// normalize.Records.
package shared
