// Command graphsec is a security analyst's console for Microsoft Graph
// Security, with an embedded emulator of the Microsoft identity platform
// and Graph so that it runs offline. See the README.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/graphsec/graphsec/internal/cli"
)

// gcPercent is the garbage collector's target unless GOGC is set. The
// console's live heap is small (about 20 MB: templates, the emulator's
// tenant), and with Go's default of 100 a receiver under load collected
// eight times a second, a quarter of its CPU; at 400 the heap peaks at a
// few times the live heap, still around 100 MB (GOMEMLIMIT caps it where
// memory is tight). README "Performance" has the figures.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
