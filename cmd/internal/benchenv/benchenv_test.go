package benchenv

import (
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestDescribesThisMachine(t *testing.T) {
	f := strings.Fields(LoadAverage())
	if len(f) != 3 {
		t.Fatalf("LoadAverage() = %q, want three numbers", LoadAverage())
	}
	for _, v := range f {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			t.Errorf("load average %q: %v", v, err)
		}
	}
	if CPUModel() == "unknown CPU" || Kernel() == "unknown" {
		t.Errorf("CPU %q, kernel %q: /proc was not read", CPUModel(), Kernel())
	}
	if m := Machine(); !strings.Contains(m, "cores, Linux "+Kernel()) {
		t.Errorf("Machine() = %q", m)
	}
}

func TestFreeAddrCanBeBound(t *testing.T) {
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("FreeAddr() = %q, want a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("binding %s: %v", addr, err)
	}
	_ = ln.Close()
}
