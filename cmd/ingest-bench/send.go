package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/net/ipv4"
)

// The sender: StatsD over UDP at a rate, one sendto per packet (plain),
// sendmmsg (mmsg) or UDP segmentation offload (gso), and its own CPU.

// send sends packets to addr at rate lines/s for dur and returns the lines
// sent and the rate achieved. On a small machine the sender shares the
// cores with the server. The cheap senders hand the kernel many datagrams
// per system call: gso (packets all of one size), one buffer that the
// kernel cuts into datagrams (UDP_SEGMENT; on loopback the receiving socket
// gets them one by one, as from separate sends), or mmsg, up to 64
// datagrams per sendmmsg. plain costs what a real StatsD client costs: one
// sendto per packet.
func send(addr string, pkts [][]byte, lpp, rate int, dur time.Duration, sender string) (int, float64, error) {
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	var write func(first, n int) (int, error)
	switch sender {
	case "gso":
		if write, err = gsoWriter(conn.(*net.UDPConn), pkts); err != nil {
			return 0, 0, err
		}
	case "plain":
		write = func(first, _ int) (int, error) {
			if _, err := conn.Write(pkts[first%len(pkts)]); err != nil {
				return 0, err
			}
			return 1, nil
		}
	default:
		pc := ipv4.NewPacketConn(conn.(*net.UDPConn))
		msgs := make([]ipv4.Message, 64)
		for i := range msgs {
			msgs[i].Buffers = make(net.Buffers, 1)
		}
		write = func(first, n int) (int, error) {
			n = min(n, len(msgs))
			for i := range n {
				msgs[i].Buffers[0] = pkts[(first+i)%len(pkts)]
			}
			return pc.WriteBatch(msgs[:n], 0)
		}
	}
	pps := float64(rate) / float64(lpp)
	start := time.Now()
	sent := 0
	for {
		el := time.Since(start)
		if el >= dur {
			break
		}
		target := int(el.Seconds() * pps)
		for burst := 0; sent < target && burst < 4096; {
			// Refused datagrams are the server's loss; count what the
			// kernel took.
			k, err := write(sent, target-sent)
			if err != nil || k <= 0 {
				k = min(target-sent, 1)
			}
			sent += k
			burst += k
		}
		if sent >= target {
			time.Sleep(100 * time.Microsecond)
		}
	}
	el := time.Since(start).Seconds()
	return sent * lpp, float64(sent*lpp) / el, nil
}

// gsoWriter returns a writer that sends up to 64 packets (all of one size)
// per sendmsg with UDP_SEGMENT.
func gsoWriter(conn *net.UDPConn, pkts [][]byte) (func(first, n int) (int, error), error) {
	const (
		solUDP     = 17  // SOL_UDP
		udpSegment = 103 // UDP_SEGMENT
	)
	size := len(pkts[0])
	for _, p := range pkts {
		if len(p) != size {
			return nil, fmt.Errorf("UDP segmentation needs packets of one size: %d and %d bytes", size, len(p))
		}
	}
	perSend := min(64, 65507/size)
	// pkts twice over, so that any run of perSend packets is contiguous
	all := make([]byte, 0, 2*len(pkts)*size)
	for range 2 {
		for _, p := range pkts {
			all = append(all, p...)
		}
	}
	oob := make([]byte, syscall.CmsgSpace(2))
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&oob[0])) //nolint:gosec // G103: the UDP_SEGMENT control message is built in place, as the kernel reads it
	h.Level, h.Type = solUDP, udpSegment
	h.SetLen(syscall.CmsgLen(2))
	binary.NativeEndian.PutUint16(oob[syscall.CmsgLen(0):], uint16(size))
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	return func(first, n int) (int, error) {
		n = min(n, perSend)
		off := (first % len(pkts)) * size
		buf := all[off : off+n*size]
		var serr error
		if err := rc.Write(func(fd uintptr) bool {
			serr = syscall.Sendmsg(int(fd), buf, oob, nil, 0)
			return serr != syscall.EAGAIN
		}); err != nil {
			return 0, err
		}
		if serr != nil {
			return 0, serr
		}
		return n, nil
	}, nil
}

// selfCPU is the user and system CPU seconds this process has used.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
