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
// eight times a second, a quarter of its CPU. At 400 its resident memory
// under the load generator peaked at 161 MB instead of 89 (50 MB idle);
// GOMEMLIMIT caps it where memory is tight. README "Performance" has the
// figures.
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
