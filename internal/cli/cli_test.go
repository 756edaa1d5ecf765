package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestMainUsageAndErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"help", []string{"help"}, nil, 0, "graphsec emulator"},
		{"unknown command", []string{"frobnicate"}, nil, 2, `unknown command "frobnicate"`},
		{"bad console config", nil, map[string]string{"GRAPHSEC_CLIENT_ID": "not-a-guid", "GRAPHSEC_CLIENT_SECRET": "x", "GRAPHSEC_TENANT": "organizations"}, 2, "GRAPHSEC_CLIENT_ID"},
		{"bad console flag", []string{"-nope"}, nil, 2, "flag provided but not defined"},
		{"console help", []string{"-h"}, nil, 0, "GRAPHSEC_TENANT"},
		{"console help lists the commands", []string{"--help"}, nil, 0, "graphsec version"},
		{"console help after flags", []string{"console", "--db", "x.db", "-h"}, nil, 0, "graphsec emulator [flags]"},
		{"version", []string{"version"}, nil, 0, "go        go1."},
		{"--version", []string{"--version"}, nil, 0, "graphsec  "},
		{"bad console flag value names the flag", []string{"--session-lifetime", "soon"}, nil, 2, "--session-lifetime (GRAPHSEC_SESSION_LIFETIME)"},
		{"emulator bad seed in env", []string{"emulator"}, map[string]string{"GRAPHSEC_EMULATOR_SEED": "abc"}, 2, "GRAPHSEC_EMULATOR_SEED"},
		{"emulator bad alerts in env", []string{"emulator"}, map[string]string{"GRAPHSEC_EMULATOR_ALERTS": "lots"}, 2, "GRAPHSEC_EMULATOR_ALERTS"},
		{"emulator bad bool in env", []string{"emulator"}, map[string]string{"GRAPHSEC_EMULATOR_UNCONSENTED": "maybe"}, 2, "GRAPHSEC_EMULATOR_UNCONSENTED"},
		{"emulator help", []string{"emulator", "-h"}, nil, 0, "-redirect-uri"},
		{"emulator bad redirect", []string{"emulator", "--redirect-uri", "not a url"}, nil, 2, "--redirect-uri"},
		{"emulator bad log level", []string{"emulator", "--log-level", "loud"}, nil, 2, "--log-level"},
		{"emulator beyond loopback without token", []string{"emulator", "--addr", "0.0.0.0:0"}, nil, 1, "refusing to listen on 0.0.0.0:0 without a control-plane token"},
		{"emulator short token", []string{"emulator", "--addr", "127.0.0.1:0"}, map[string]string{"GRAPHSEC_EMULATOR_CONTROL_TOKEN": "short"}, 1, "at least 16 characters"},
		{"emulator bad webhook range", []string{"emulator", "--webhook-allow", "10.0.0.0/33"}, nil, 2, "webhook-allow"},
		{"emulator bad webhook range in env", []string{"emulator"}, map[string]string{"GRAPHSEC_EMULATOR_WEBHOOK_ALLOW": "10.0.0.0/8,lan"}, 2, "GRAPHSEC_EMULATOR_WEBHOOK_ALLOW"},
		{"emulator bad duplicate share", []string{"emulator", "--delivery-duplicate", "1.5"}, nil, 2, "delivery-duplicate"},
		{"emulator bad reorder share", []string{"emulator"}, map[string]string{"GRAPHSEC_EMULATOR_DELIVERY_REORDER": "NaN"}, 2, "GRAPHSEC_EMULATOR_DELIVERY_REORDER"},
		{"emulator bad delivery delay", []string{"emulator", "--delivery-delay", "-2s"}, nil, 2, "delivery-delay"},
		{"emulator help lists the delivery flags", []string{"emulator", "-h"}, nil, 0, "-delivery-reorder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Main(context.Background(), tt.args, env(tt.env), &out, &errb)
			if code != tt.code || !strings.Contains(out.String()+errb.String(), tt.want) {
				t.Fatalf("code %d (want %d), output:\n%s%s", code, tt.code, out.String(), errb.String())
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestConsoleStartsAndStops runs the default command (console + embedded
// emulator) on free ports, checks it is ready, and stops it with the
// context, as Ctrl+C does.
func TestConsoleStartsAndStops(t *testing.T) {
	addr, emuAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"--addr", addr, "--emulator-addr", emuAddr, "--db", filepath.Join(t.TempDir(), "g.db")}, env(nil), &out, io.Discard)
	}()
	var ready bool
	for i := 0; i < 100 && !ready; i++ {
		time.Sleep(50 * time.Millisecond)
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			ready = res.StatusCode == 200
			res.Body.Close()
		}
	}
	if !ready {
		cancel()
		t.Fatalf("console not ready; output:\n%s", out.String())
	}
	// The console answers /readyz a moment before the banner is printed:
	// wait for the banner rather than read it at once.
	_, port, _ := net.SplitHostPort(emuAddr)
	for _, want := range []string{"graphsec console", "embedded emulator  http://localhost:" + port} {
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(out.String(), want) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
	// Live alerts are mounted: Graph's handshake, /metrics on loopback,
	// and a stream that does not hold up the shutdown below.
	res, err := http.Post("http://"+addr+"/listen?validationToken=hi%21", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "hi!" {
		t.Errorf("handshake: %d %q", res.StatusCode, body)
	}
	res, err = http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "graphsec_notifications_total") || !strings.Contains(string(body), "go_goroutines") {
		t.Errorf("/metrics: %d\n%.300s", res.StatusCode, body)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("did not shut down")
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestEmulatorBannerControlPlane: the banner says how the control plane
// is protected.
func TestEmulatorBannerControlPlane(t *testing.T) {
	for _, tt := range []struct{ token, want string }{
		{"", "Control plane          loopback only, no token"},
		{"0123456789abcdef", "Control plane          token required"},
	} {
		t.Run(tt.want, func(t *testing.T) {
			emu, err := emulator.New(emulator.Options{ControlToken: tt.token})
			if err != nil {
				t.Fatal(err)
			}
			defer emu.Close()
			var b bytes.Buffer
			printEmulatorBanner(&b, emu)
			if !strings.Contains(b.String(), tt.want) {
				t.Fatalf("banner:\n%s", b.String())
			}
		})
	}
}

func TestPrintVersion(t *testing.T) {
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want []string
	}{
		{"release", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/graphsec/graphsec", Version: "v1.4.0"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "arm64"}}},
			true, []string{"graphsec  v1.4.0\n", "commit    0123abcd\n", "committed 2026-12-01T10:00:00Z\n", "go        go1.26.8 linux/arm64\n"}},
		{"work tree with changes", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/graphsec/graphsec", Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "feed"}, {Key: "vcs.modified", Value: "true"}}},
			true, []string{"graphsec  (devel)\n", "commit    feed (with uncommitted changes)\n"}},
		{"go run", &debug.BuildInfo{GoVersion: "go1.26.8"}, true, []string{"graphsec  (devel)\n", "commit    unknown"}},
		{"no build information", nil, false, []string{"(no build information)", "go        go1."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			printVersion(&b, func() (*debug.BuildInfo, bool) { return tt.bi, tt.ok })
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("version output lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
}

// TestBusyPortNamesTheSetting: a port another program holds is reported
// with its address and the flag and variable that choose another.
func TestBusyPortNamesTheSetting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().String()
	db := filepath.Join(t.TempDir(), "g.db")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"console", []string{"--addr", busy, "--emulator-addr", freeAddr(t), "--db", db}, "choose another address with --addr or GRAPHSEC_ADDR"},
		{"embedded emulator", []string{"--addr", freeAddr(t), "--emulator-addr", busy, "--db", db}, "choose another address with --emulator-addr or GRAPHSEC_EMULATOR_ADDR"},
		{"emulator", []string{"emulator", "--addr", busy}, "choose another address with --addr or GRAPHSEC_EMULATOR_ADDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errb bytes.Buffer
			code := Main(context.Background(), tt.args, env(nil), io.Discard, &errb)
			if code != 1 || !strings.Contains(errb.String(), busy+" is in use") || !strings.Contains(errb.String(), tt.want) {
				t.Fatalf("code %d:\n%s", code, errb.String())
			}
		})
	}
}

// TestStartupShowsTheURLsInUse: in demo mode the start-up log and the
// banner name the embedded emulator's identity platform and Graph, not
// Microsoft's.
func TestStartupShowsTheURLsInUse(t *testing.T) {
	addr, emuAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, logs syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"--addr", addr, "--emulator-addr", emuAddr, "--db", filepath.Join(t.TempDir(), "g.db")}, env(nil), &out, &logs)
	}()
	_, port, _ := net.SplitHostPort(emuAddr)
	emu := "http://localhost:" + port
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "Press Ctrl+C") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{"identity platform  " + emu + "/", "Microsoft Graph    " + emu + "\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
	for _, want := range []string{"authority_url=" + emu, "graph_url=" + emu} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("start-up log lacks %q:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String()+out.String(), "microsoftonline.com") || strings.Contains(logs.String()+out.String(), "graph.microsoft.com") {
		t.Errorf("the demo's start-up names Microsoft's URLs:\n%s%s", out.String(), logs.String())
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("did not shut down")
	}
}
