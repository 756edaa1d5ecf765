//go:build !unix

package storetest

import "time"

// cpuTime is not measured here: the benchmarks' cpu-µs/item reads 0.
func cpuTime() time.Duration { return 0 }
