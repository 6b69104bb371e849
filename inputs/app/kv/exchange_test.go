package kv

import (
	"math"
	"net"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
)

// TestRedisExchangeClaimedLength: the bulk length a Redis server claims
// is not allocated before the bytes arrive. With max_body_size unlimited
// (math.MaxInt64), a reply claiming a huge length and sending a few bytes
// is a truncated body, not a panic (n+2 overflowing) or an allocation of
// what was claimed.
func TestRedisExchangeClaimedLength(t *testing.T) {
	for _, claim := range []string{"9223372036854775807", "9223372036854775806", "1073741824"} {
		t.Run(claim, func(t *testing.T) {
			client, server := net.Pipe()
			defer client.Close()
			go func() {
				defer server.Close()
				buf := make([]byte, 64)
				_, _ = server.Read(buf) // INFO ALL
				_, _ = server.Write([]byte("$" + claim + "\r\n# Server\r\nredis_version:7.2.0\r\n"))
			}()
			_ = client.SetDeadline(time.Now().Add(5 * time.Second))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("RedisExchange panicked: %v", p)
					}
				}()
				_, err = RedisExchange(client, "", "", math.MaxInt64)
			}()
			runtime.ReadMemStats(&after)
			if got := parsing.Reason(err, ""); got != "truncated" {
				t.Fatalf("err = %v (reason %q), want reason truncated", err, got)
			}
			if grown := after.TotalAlloc - before.TotalAlloc; grown > 64<<20 {
				t.Errorf("allocated %d MiB for a reply of a few bytes", grown>>20)
			}
		})
	}
}

// TestRedisExchangeBulk: a reply whose bytes all arrive is returned
// without its trailing CRLF; one over max is body_too_large.
func TestRedisExchangeBulk(t *testing.T) {
	body := "# Server\r\nredis_version:7.2.0\r\n"
	for _, tc := range []struct {
		max    int64
		reason string
	}{{1 << 20, ""}, {math.MaxInt64, ""}, {int64(len(body) - 1), "body_too_large"}} {
		client, server := net.Pipe()
		go func() {
			defer server.Close()
			buf := make([]byte, 64)
			_, _ = server.Read(buf)
			_, _ = server.Write([]byte("$" + strconv.Itoa(len(body)) + "\r\n" + body + "\r\n"))
		}()
		_ = client.SetDeadline(time.Now().Add(5 * time.Second))
		got, err := RedisExchange(client, "", "", tc.max)
		client.Close()
		if r := parsing.Reason(err, ""); r != tc.reason || tc.reason == "" && err != nil {
			t.Fatalf("max %d: err = %v, want reason %q", tc.max, err, tc.reason)
		}
		if tc.reason == "" && string(got) != body {
			t.Errorf("max %d: body %q, want %q", tc.max, got, body)
		}
	}
}
