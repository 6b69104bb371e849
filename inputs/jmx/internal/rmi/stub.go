package rmi

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
)

// RemoteRef is a live reference from a stub (UnicastRef/UnicastRef2).
type RemoteRef struct {
	Host string
	Port int
	ID   ObjID
	// SSL is true when the stub carries SslRMIClientSocketFactory.
	SSL bool
	// Factory is the class of the stub's client socket factory, if any.
	Factory string
}

// parseStub reads the live reference out of a deserialized RMI stub
// (RemoteObject's custom data: UnicastRef2 or UnicastRef).
func parseStub(v any) (RemoteRef, error) {
	o, ok := v.(*javaser.Object)
	if !ok {
		return RemoteRef{}, fmt.Errorf("expected a remote stub, got %T", v)
	}
	cr := javaser.NewCustomReader(o.Custom("java.rmi.server.RemoteObject"))
	kind, err := cr.UTF()
	if err != nil {
		return RemoteRef{}, fmt.Errorf("stub %s: %w", o.Class.Name, err)
	}
	var ref RemoteRef
	format := byte(0)
	switch kind {
	case "UnicastRef2":
		if format, err = cr.U8(); err != nil {
			return RemoteRef{}, err
		}
	case "UnicastRef":
	default:
		return RemoteRef{}, fmt.Errorf("stub %s: unsupported reference type %q", o.Class.Name, kind)
	}
	if ref.Host, err = cr.UTF(); err != nil {
		return RemoteRef{}, err
	}
	port, err := cr.I32()
	if err != nil {
		return RemoteRef{}, err
	}
	ref.Port = int(port)
	if format == 1 {
		csf, err := cr.Object()
		if err != nil {
			return RemoteRef{}, fmt.Errorf("stub socket factory: %w", err)
		}
		var factory *javaser.ClassDesc
		switch co := csf.(type) {
		case *javaser.Object:
			factory = co.Class
		case *javaser.Boxed:
			factory = co.Class
		}
		if factory != nil {
			ref.Factory = factory.Name
			ref.SSL = strings.Contains(factory.Name, "Ssl")
		}
	}
	if ref.ID.Num, err = cr.I64(); err != nil {
		return RemoteRef{}, err
	}
	if ref.ID.UID.Unique, err = cr.I32(); err != nil {
		return RemoteRef{}, err
	}
	if ref.ID.UID.Time, err = cr.I64(); err != nil {
		return RemoteRef{}, err
	}
	if ref.ID.UID.Count, err = cr.I16(); err != nil {
		return RemoteRef{}, err
	}
	return ref, nil
}

func (r RemoteRef) String() string {
	return fmt.Sprintf("%s objNum=%d", net.JoinHostPort(r.Host, strconv.Itoa(r.Port)), r.ID.Num)
}
