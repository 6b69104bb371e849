// Package javaser reads and writes Java object serialization streams
// (java.io.ObjectStreamConstants), class-agnostically: the Decoder
// (serial.go) turns a stream into Objects, Arrays, Enums and Blocks under
// hard Limits, since the bytes come from the network; the Encoder
// (encode.go) writes the few arguments a JMX client sends; throwable.go
// reads a decoded Throwable. It knows nothing of RMI or JMX beyond the
// classes it writes.
package javaser
