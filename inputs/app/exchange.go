package app

import (
	"bytes"
	"context"
	"net"
)

// Exchange speaks one request/response over a connected conn (its deadline
// is set) and returns the body; it fails when the body exceeds max bytes.
type Exchange func(conn net.Conn, max int64) ([]byte, error)

// tcpFetcher runs an Exchange over a new TCP connection per poll.
type tcpFetcher struct {
	exchange Exchange
	maxBody  int64
	dialer   net.Dialer
}

func (f *tcpFetcher) close() {}

func (f *tcpFetcher) fetch(ctx context.Context, target string, buf *bytes.Buffer) (string, error) {
	conn, err := f.dialer.DialContext(ctx, "tcp", target)
	if err != nil {
		return "", classify(err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Close the connection when ctx ends early (shutdown), so the exchange
	// returns at once.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	body, err := f.exchange(conn, f.maxBody)
	if err != nil {
		return "", classify(err) // an Exchange's own reason (parsing.Error) kept
	}
	buf.Write(body)
	return "", nil
}
