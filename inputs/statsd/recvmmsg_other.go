//go:build !(linux && (amd64 || arm64))

package statsd

import "net"

type batchReader struct{}

func newBatchReader(net.Conn) (*batchReader, bool) { return nil, false }

func (*batchReader) read(func([]byte, bool)) (int, error) { return 0, nil }

func (*batchReader) rcvbuf() int { return 0 }
