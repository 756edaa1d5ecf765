// Command graphsec is a security analyst's console for Microsoft Graph
// Security, with an embedded emulator of the Microsoft identity platform
// and Graph so that it runs offline. See the README.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/graphsec/graphsec/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
