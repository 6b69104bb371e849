// Package parsing holds the contract between the application-stats input
// driver (package app) and its format parsers (jsonsel, kv, expo): a
// Parser turns a response body into records, and an Error carries a short
// reason for the self-metrics.
package parsing
