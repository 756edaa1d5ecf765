package loadgen

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// BenchmarkReceiverLoad runs the notify mode for 5 s against the receiver
// as NewLive wires it (journal, SQLite file), in this process (for
// -cpuprofile), and prints loadgen's report; it fails if anything
// acknowledged was not stored. `graphsec loadgen --compare-bare` against
// a running console is the figure of record (README, Performance).
func BenchmarkReceiverLoad(b *testing.B) {
	db, url := startReceiver(b)
	for b.Loop() {
		var out strings.Builder
		c := Config{Mode: ModeNotify, URL: url, Concurrency: 32, Duration: 5 * time.Second,
			Batch: 10, DB: db, Rounds: 1, DrainTimeout: 30 * time.Second}
		if err := Run(context.Background(), c, &out); err != nil {
			b.Fatalf("Run: %v\n%s", err, out.String())
		}
		io.WriteString(b.Output(), out.String())
	}
}
