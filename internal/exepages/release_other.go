//go:build !linux

package exepages

// Release does nothing outside Linux.
func Release() (Stats, error) { return Stats{}, nil }

// After is 0 outside Linux.
func (Stats) After() (uint64, error) { return 0, nil }
