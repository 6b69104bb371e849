package app

import (
	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/app/expo"
	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
)

// httpConfig is the config of a type read over HTTP(S) with no options of
// its own.
type httpConfig struct {
	Common      `yaml:",inline"`
	HTTPOptions `yaml:",inline"`
}

func (c *httpConfig) validate() error {
	return joinErrs(c.Common.validate(false), c.HTTPOptions.validate())
}

// PrometheusConfig is the `prometheus` type: another exporter's /metrics.
type PrometheusConfig struct {
	httpConfig `yaml:",inline"`
}

// Validate implements inputs.Config.
func (c *PrometheusConfig) Validate() error { return c.validate() }

// NewParser implements ParserConfig.
func (c *PrometheusConfig) NewParser() (parsing.Parser, error) { return expo.New(), nil }

func (c *PrometheusConfig) newFetcher(name string) (fetcher, error) {
	return newHTTPFetcher(name, &c.HTTPOptions, expo.Accept, int64(c.MaxBodySize))
}

// NewFactories returns the factories of every application-stats type.
func NewFactories() []inputs.Factory {
	return []inputs.Factory{
		factory{typ: "prometheus", newDefault: func() typeConfig {
			return &PrometheusConfig{httpConfig{Common: DefaultCommon, HTTPOptions: DefaultHTTPOptions}}
		}},
	}
}
