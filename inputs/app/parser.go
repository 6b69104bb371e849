package app

import "github.com/rosetta-adapter/rosetta/inputs/app/parsing"

// ParserConfig is implemented by the config of every type in this package,
// so that tools (rosetta test, rosetta explain) can parse recorded bodies
// offline with exactly the parser the running input would use.
type ParserConfig interface {
	NewParser() (parsing.Parser, error)
}
