// Package pluginpb holds the gRPC contract between Rosetta and its external
// input drivers (driver.proto) and the code generated from it. Regenerate
// with `make generate`; the generator versions are pinned in
// .ci/tools.go.txt.
package pluginpb

//go:generate protoc --proto_path=. --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative driver.proto
