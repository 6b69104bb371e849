//go:build linux && (amd64 || arm64)

package statsd

import (
	"net"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// batchSlots is how many datagrams one recvmmsg call may return.
const batchSlots = 32

// mmsghdr is the kernel's struct mmsghdr on 64-bit Linux.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
	_   [4]byte
}

// batchReader receives up to batchSlots datagrams per system call with
// recvmmsg(2).
type batchReader struct {
	rc   syscall.RawConn
	msgs [batchSlots]mmsghdr
	iovs [batchSlots]unix.Iovec
	buf  []byte // batchSlots slots of maxDatagram+1 bytes
}

func newBatchReader(conn net.Conn) (*batchReader, bool) {
	sc, ok := conn.(syscall.Conn)
	if !ok || !useRecvmmsg {
		return nil, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, false
	}
	const slot = maxDatagram + 1
	b := &batchReader{rc: rc, buf: make([]byte, batchSlots*slot)}
	for i := range b.msgs {
		b.iovs[i].Base = &b.buf[i*slot]
		b.iovs[i].SetLen(slot)
		b.msgs[i].hdr.Iov = &b.iovs[i]
		b.msgs[i].hdr.SetIovlen(1)
	}
	return b, true
}

// read waits for datagrams and calls fn for each; truncated is true for a
// datagram larger than maxDatagram.
func (b *batchReader) read(fn func(pkt []byte, truncated bool)) error {
	var (
		n     int
		errno syscall.Errno
	)
	err := b.rc.Read(func(fd uintptr) bool {
		//nolint:gosec // G103: recvmmsg takes the address of the message array, which lives as long as b
		r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.msgs[0])), batchSlots, unix.MSG_DONTWAIT, 0, 0)
		if e == unix.EAGAIN || e == unix.EWOULDBLOCK {
			return false // wait until readable
		}
		n, errno = int(r), e
		return true
	})
	runtime.KeepAlive(b)
	if err != nil {
		return err
	}
	if errno != 0 {
		if errno == unix.EINTR {
			return nil
		}
		return errno
	}
	const slot = maxDatagram + 1
	for i := range n {
		m := &b.msgs[i]
		size := int(m.n)
		fn(b.buf[i*slot:i*slot+min(size, slot)], m.hdr.Flags&unix.MSG_TRUNC != 0 || size > maxDatagram)
		m.hdr.Flags = 0
	}
	return nil
}
