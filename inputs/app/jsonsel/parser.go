package jsonsel

import "github.com/rosetta-adapter/rosetta/inputs/app/parsing"

var _ parsing.Parser = (*Parser)(nil)
