package kv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
)

// RedisExchange sends AUTH (when a password is given) and INFO ALL over
// conn (whose deadline the caller set) and returns the reply's text. A
// reply larger than max bytes is an error (reason body_too_large); an error
// reply has reason redis_error.
func RedisExchange(conn net.Conn, username, password string, max int64) ([]byte, error) {
	r := bufio.NewReader(conn)
	if password != "" {
		args := []string{"AUTH", password}
		if username != "" {
			args = []string{"AUTH", username, password}
		}
		if _, err := conn.Write(resp(args...)); err != nil {
			return nil, err
		}
		line, err := readLine(r)
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(line, "+") {
			return nil, parsing.Errorf("auth", "redis AUTH: %s", redisErr(line))
		}
	}
	if _, err := conn.Write(resp("INFO", "ALL")); err != nil {
		return nil, err
	}
	line, err := readLine(r)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(line, "$") {
		if strings.HasPrefix(line, "-NOAUTH") {
			return nil, parsing.Errorf("auth", "redis: %s", redisErr(line))
		}
		return nil, parsing.Errorf("redis_error", "redis INFO: %s", redisErr(line))
	}
	n, err := strconv.ParseInt(line[1:], 10, 64)
	if err != nil || n < 0 {
		return nil, parsing.Errorf("invalid_body", "redis INFO: bad bulk length %q", clip(line))
	}
	if n > max {
		return nil, parsing.Errorf("body_too_large", "redis INFO reply of %d bytes is larger than max_body_size (%d bytes)", n, max)
	}
	// The buffer grows with the bytes that arrive, not to the length the
	// server claims: with max_body_size unlimited, a claim of 2^63-1
	// bytes would overflow n+2 and one of a terabyte allocate it.
	var buf bytes.Buffer
	if _, err := io.CopyN(&buf, r, n); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, parsing.Errorf("truncated", "redis INFO reply truncated after %d of %d bytes", buf.Len(), n)
		}
		return nil, err
	}
	var crlf [2]byte
	if _, err := io.ReadFull(r, crlf[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, parsing.Errorf("truncated", "redis INFO reply truncated: %w", io.ErrUnexpectedEOF)
		}
		return nil, err
	}
	return buf.Bytes(), nil
}

func redisErr(line string) string {
	return strings.TrimPrefix(clip(line), "-")
}

// resp encodes a command as a RESP array of bulk strings.
func resp(args ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.Bytes()
}

// MemcachedExchange sends "stats" over conn (whose deadline the caller
// set) and returns the reply up to and including "END". A reply larger than
// max bytes is an error (body_too_large); an error reply has reason
// memcached_error.
func MemcachedExchange(conn net.Conn, max int64) ([]byte, error) {
	if _, err := conn.Write([]byte("stats\r\n")); err != nil {
		return nil, err
	}
	r := bufio.NewReaderSize(conn, 64<<10)
	var out []byte
	for {
		line, err := readLine(r)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, parsing.Errorf("truncated", "memcached stats reply ended before END")
			}
			return nil, err
		}
		switch {
		case line == "END":
			return append(out, "END\n"...), nil
		case line == "ERROR" || strings.HasPrefix(line, "CLIENT_ERROR") || strings.HasPrefix(line, "SERVER_ERROR"):
			return nil, parsing.Errorf("memcached_error", "memcached stats: %s", clip(line))
		}
		out = append(append(out, line...), '\n')
		if int64(len(out)) > max {
			return nil, parsing.Errorf("body_too_large", "memcached stats reply larger than max_body_size (%d bytes)", max)
		}
	}
}

// CommandExchange sends command over conn (whose deadline the caller set)
// and reads the reply until a line equal to endLine (included), or until
// the server closes the connection when endLine is empty.
func CommandExchange(conn net.Conn, command, endLine string, max int64) ([]byte, error) {
	if _, err := io.WriteString(conn, command); err != nil {
		return nil, err
	}
	r := bufio.NewReaderSize(conn, 64<<10)
	var out []byte
	for {
		line, err := r.ReadString('\n')
		out = append(out, line...)
		if int64(len(out)) > max {
			return nil, parsing.Errorf("body_too_large", "reply larger than max_body_size (%d bytes)", max)
		}
		if endLine != "" && strings.TrimRight(line, "\r\n") == endLine {
			return out, nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				if endLine != "" {
					return nil, parsing.Errorf("truncated", "reply ended before %q", endLine)
				}
				return out, nil
			}
			return nil, err
		}
	}
}

// readLine reads one CRLF line (at most 64 KiB).
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return "", parsing.Errorf("invalid_body", "reply line longer than %d bytes", r.Size())
		}
		if errors.Is(err, io.EOF) && len(line) > 0 {
			return "", parsing.Errorf("truncated", "reply ended inside a line")
		}
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}
