// Package jolokia is a client for Jolokia's HTTP/JSON protocol (search,
// list and bulk read) that converts the JSON values to the same mbean
// value model as the RMI client, so that the same bean strings come out.
package jolokia
