//go:build !unix

package storetest

import "time"

// CPUTime is not measured here: the benchmarks' cpu-µs figures read 0.
func CPUTime() time.Duration { return 0 }
