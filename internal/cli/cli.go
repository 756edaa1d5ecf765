// Package cli implements graphsec's command line: parsing flags and
// environment, building the parts, and running them until interrupted.
// It is separate from package main so that it can be tested.
package cli

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/graphsec/graphsec/internal/config"
)

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	if len(args) > 0 && (args[0] == "-version" || args[0] == "--version") {
		cmd, rest = "version", args[1:]
	}
	var err error
	switch cmd {
	case "", "console":
		if wantsHelp(rest) {
			// The commands first, then the console's flags.
			usage(stdout)
			fmt.Fprintln(stdout)
			_, _ = config.Load([]string{"-h"}, getenv, stdout)
			return 0
		}
		err = runConsole(ctx, rest, getenv, stdout, stderr)
	case "emulator":
		err = runEmulator(ctx, rest, getenv, stdout, stderr)
	case "loadgen":
		err = runLoadgen(ctx, rest, getenv, stdout, stderr)
	case "version":
		printVersion(stdout, debug.ReadBuildInfo)
		return 0
	case "help":
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
  graphsec [console] [flags]  run the console (the default command) on http://localhost:5000, with
                              the embedded emulator on 127.0.0.1:5001 unless GRAPHSEC_CLIENT_ID is set
  graphsec emulator [flags]   run the Microsoft identity platform + Graph Security emulator alone
  graphsec loadgen [flags]    HTTP load: change notifications POSTed to a receiver, or GETs
  graphsec version            print the version, the commit it was built from and the Go version
  graphsec help               show this help

"graphsec -h" also lists the console's flags and environment variables;
"graphsec emulator -h" lists the emulator's.
`)
}

// wantsHelp reports whether the console's arguments ask for help.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help", "--h":
			return true
		case "--":
			return false
		}
	}
	return false
}

// printVersion prints the module's version (a tag when built from a
// module download or with -buildvcs, "(devel)" from a work tree), the
// commit and its time (when built from a version-controlled tree), and
// the Go version. readBuildInfo is debug.ReadBuildInfo (tests pass their
// own).
func printVersion(w io.Writer, readBuildInfo func() (*debug.BuildInfo, bool)) {
	bi, ok := readBuildInfo()
	if !ok {
		fmt.Fprintf(w, "graphsec  (no build information)\ngo        %s\n", runtime.Version())
		return
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	fmt.Fprintf(w, "graphsec  %s\n", cmp.Or(bi.Main.Version, "(devel)"))
	fmt.Fprintf(w, "module    %s\n", cmp.Or(bi.Main.Path, "github.com/graphsec/graphsec"))
	if rev := settings["vcs.revision"]; rev != "" {
		dirty := ""
		if settings["vcs.modified"] == "true" {
			dirty = " (with uncommitted changes)"
		}
		fmt.Fprintf(w, "commit    %s%s\n", rev, dirty)
		if t := settings["vcs.time"]; t != "" {
			fmt.Fprintf(w, "committed %s\n", t)
		}
	} else {
		fmt.Fprintf(w, "commit    unknown (built without version control information)\n")
	}
	fmt.Fprintf(w, "go        %s %s/%s\n", cmp.Or(bi.GoVersion, runtime.Version()), cmp.Or(settings["GOOS"], runtime.GOOS), cmp.Or(settings["GOARCH"], runtime.GOARCH))
}

// addrInUse explains a listen error on an address another program holds:
// which address, and the flag and variable that choose another.
func addrInUse(err error, addr, flagName, env string) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%w\n(%s is in use by another program: stop it, or choose another address with %s or %s)", err, addr, flagName, env)
	}
	return err
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
