// Command sleeper is the process TestInspect inspects: it says it is
// ready and waits on standard input.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("ready")
	_, _ = os.Stdin.Read(make([]byte, 1))
}
