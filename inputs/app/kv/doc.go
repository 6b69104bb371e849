// Package kv parses key/value statistics text: Redis INFO, memcached
// stats, nginx stub_status, Apache mod_status?auto, and any line format
// described by regexes with named captures. It also speaks the two TCP
// protocols that fetch such text (Redis RESP, memcached's text protocol).
//
// Every parser turns the text into records whose match string is the
// statistic's name (with '.'-separated parts for grouped fields, so that
// glob rules can capture them) and whose labels carry what the text groups
// by (a Redis database, a command, a state). Numbers are the values;
// strings that describe the server (a version, a role) become a record of
// value 1 with the string as a label named after the key.
package kv
