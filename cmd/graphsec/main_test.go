package main

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// BenchmarkIdleRSS builds the real binary, runs `graphsec` with its
// embedded emulator (default data), signs a user in and loads the alert
// queue, lets it settle, and reports the resident memory of the whole
// process (Linux only). Run: go test ./cmd/graphsec -run XXX -bench IdleRSS -benchtime 1x
func BenchmarkIdleRSS(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc (Linux)")
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "graphsec")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	for b.Loop() {
		addr, emuAddr := free(b), free(b)
		cmd := exec.Command(bin, "--addr", addr, "--emulator-addr", emuAddr, "--db", filepath.Join(b.TempDir(), "g.db"), "--log-level", "warn")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		console := "http://" + addr
		waitReady(b, console)
		br := emutest.NewBrowser()
		user := firstAnalyst(b, emuAddr)
		p, err := webtest.SignIn(br, console+"/alerts", user, emutest.SignInOptions{})
		if err != nil || p.Status != 200 {
			cmd.Process.Kill()
			b.Fatalf("sign-in: %v %v", err, p)
		}
		time.Sleep(2 * time.Second)
		rss := rssKB(b, cmd.Process.Pid)
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		b.ReportMetric(float64(rss)/1024, "RSS-MB")
	}
}

func free(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(b *testing.B, base string) {
	for i := 0; i < 200; i++ {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatal("graphsec did not become ready")
}

// firstAnalyst reads the demo users from the emulator's control plane.
func firstAnalyst(b *testing.B, emuAddr string) string {
	res, err := http.Get("http://" + emuAddr + "/_emulator/users")
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	var id string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, `"id":`) && id == "" {
			id = strings.Trim(strings.TrimPrefix(line, `"id":`), ` ",`)
		}
		if strings.Contains(line, "Security Operator") && id != "" {
			return id
		}
		if strings.HasPrefix(line, "}") {
			id = ""
		}
	}
	b.Fatal("no Security Operator among the demo users")
	return ""
}

func rssKB(b *testing.B, pid int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
