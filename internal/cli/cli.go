// Package cli implements graphsec's command line: parsing flags and
// environment, building the parts, and running them until interrupted.
// It is separate from package main so that it can be tested.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "", "console":
		err = runConsole(ctx, rest, getenv, stdout, stderr)
	case "emulator":
		err = runEmulator(ctx, rest, getenv, stdout, stderr)
	case "loadgen":
		err = runLoadgen(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "graphsec: unknown command %q\n\n", cmd)
		usage(stderr)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(*usageError)):
		fmt.Fprintf(stderr, "graphsec: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "graphsec: %v\n", err)
		return 1
	}
}

// usageError is a mistake on the command line; it exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  graphsec [flags]            run the console on http://localhost:5000 (with the embedded
                              emulator on 127.0.0.1:5001 unless GRAPHSEC_CLIENT_ID is set)
  graphsec emulator [flags]   run the Microsoft identity platform + Graph Security emulator alone
  graphsec loadgen [flags]    HTTP load: change notifications POSTed to a receiver, or GETs
  graphsec help               show this help

Run "graphsec -h" for the console's flags and environment variables, and
"graphsec emulator -h" for the emulator's.
`)
}

// newLogger builds the process logger from --log-level and --log-format.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("invalid --log-level %q (debug, info, warn, error)", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("invalid --log-format %q (text, json)", format)
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}
