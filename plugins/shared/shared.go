package shared

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pluginpb "github.com/rosetta-adapter/rosetta/plugins/proto"
)

// ContractVersion is the version of the Driver service (plugins/proto) and
// the go-plugin app protocol version. A change that old plugins or hosts
// cannot understand bumps it.
const ContractVersion = 1

// PluginName is the one plugin a Rosetta driver executable serves.
const PluginName = "driver"

// Handshake is the go-plugin handshake. The magic cookie only tells a
// plugin it was started by Rosetta; it is not a security measure.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ContractVersion,
	MagicCookieKey:   "ROSETTA_PLUGIN",
	MagicCookieValue: "d1e6c5b0-input-driver",
}

// DriverPlugin is the go-plugin Plugin of the Driver service. Plugins set
// Impl; the host leaves it nil.
type DriverPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl pluginpb.DriverServer
}

var _ plugin.GRPCPlugin = (*DriverPlugin)(nil)

// GRPCServer registers Impl.
func (p *DriverPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pluginpb.RegisterDriverServer(s, p.Impl)
	return nil
}

// GRPCClient returns a pluginpb.DriverClient.
func (p *DriverPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return pluginpb.NewDriverClient(c), nil
}

// PluginMap is the plugin set of a plugin serving impl (nil on the host).
func PluginMap(impl pluginpb.DriverServer) plugin.PluginSet {
	return plugin.PluginSet{PluginName: &DriverPlugin{Impl: impl}}
}
