package jmx

import "testing"

// StartTestJVM starts the test application with remote JMX on 127.0.0.1
// for tests of other packages' files in this directory (package jmx_test)
// and returns the registry port.
func StartTestJVM(t *testing.T) int { return startJVM(t, jvmOptions{}).port }
