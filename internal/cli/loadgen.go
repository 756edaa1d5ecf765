package cli

import (
	"context"
	"errors"
	"flag"
	"io"

	"github.com/graphsec/graphsec/internal/loadgen"
)

// runLoadgen is `graphsec loadgen`: HTTP load against a receiver (POSTed
// change notifications) or any URL (GETs); see package loadgen.
func runLoadgen(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := loadgen.ParseFlags(args, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("loadgen: %v", err)
	}
	return loadgen.Run(ctx, c, stdout)
}
