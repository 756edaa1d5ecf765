//go:build unix

package odata

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used. Benchmarks report it
// per operation next to wall time, because on a shared machine wall time
// mostly measures the other tenants.
func processCPU() time.Duration {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return 0
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}
