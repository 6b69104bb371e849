// Package javaser reads and writes Java object serialization streams
// (java.io.ObjectStreamConstants), class-agnostically: the Decoder
// (decoder.go) turns a stream into Objects, Arrays, Enums, Boxed primitive
// wrappers and Blocks under hard Limits, since the bytes come from the
// network; the Encoder (encode.go) writes the few arguments a JMX client
// sends; throwable.go reads a decoded Throwable. It knows nothing of RMI or
// JMX beyond the classes it writes.
//
// A Decoder lives as long as its connection and decodes one reply after
// the other. What replies repeat is kept across them, each cache bounded
// by bytes: names (class, field and name-field strings), class
// descriptors, and the bytes of descriptors (a descriptor whose bytes come
// again is not parsed again). No other value of a reply is kept: a handle
// table lives one stream, the chunks Boxed values are cut from point to
// nothing else of a reply, and the last short Block is bytes only. A
// caller that converts replies before it reads the next ones may lend
// the Decoder an Arena (arena.go): their small objects are then cut from
// chunks that the caller's Reset clears and reuses, instead of being
// allocated one by one.
package javaser
