package app

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
)

// classify gives a transport error a reason.
func classify(err error) error {
	var pe *parsing.Error
	if errors.As(err, &pe) {
		return err
	}
	var dnsErr *net.DNSError
	var ne net.Error
	reason := "network"
	switch transport := inputs.TransportReason(err); {
	case transport != "":
		reason = transport
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		reason = "connection_reset"
	case errors.As(err, &dnsErr):
		reason = "dns"
	case errors.As(err, &ne) && ne.Timeout():
		reason = "timeout"
	case strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "x509:"):
		reason = "tls"
	}
	return &parsing.Error{Reason: reason, Err: err}
}
