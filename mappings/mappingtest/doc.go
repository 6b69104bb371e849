// Package mappingtest runs mapping test files (*.test.yml): recorded input
// of any input type goes through the input's real parser, the real rule
// engine and the real store, offline, and the series that come out are
// compared with the ones the file expects. It is what `rosetta test` runs,
// and `rosetta explain` uses its parsers and its rule suggestions.
package mappingtest
