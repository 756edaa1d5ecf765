// Command loadgen drives HTTP load at one URL with a fixed number of
// concurrent workers for a fixed time, then prints throughput and latency
// percentiles. It exists so that the README's throughput figures can be
// reproduced with nothing but the Go toolchain:
//
//	go run ./tools/loadgen -url 'http://127.0.0.1:5001/v1.0/security/alerts_v2?$top=10' \
//	    -token-from http://127.0.0.1:5001/_emulator/tokens -c 32 -d 10s
//
// With -token-from, GRAPHSEC_EMULATOR_CONTROL_TOKEN (when set) is sent to
// the control plane, for an emulator started with a control token.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

func main() {
	target := flag.String("url", "", "URL to GET")
	token := flag.String("token", "", "bearer token to send")
	tokenFrom := flag.String("token-from", "", "emulator control plane tokens URL to mint an app token from (instead of -token)")
	user := flag.String("user", "", "with -token-from: mint a delegated token for this user instead of an app token")
	conc := flag.Int("c", 16, "concurrent workers")
	dur := flag.Duration("d", 10*time.Second, "how long to run")
	warm := flag.Duration("warmup", 2*time.Second, "warm-up time not counted")
	flag.Parse()
	if *target == "" {
		fmt.Fprintln(os.Stderr, "loadgen: -url is required")
		os.Exit(2)
	}
	if *tokenFrom != "" {
		t, err := mint(*tokenFrom, *user, os.Getenv("GRAPHSEC_EMULATOR_CONTROL_TOKEN"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		*token = t
	}
	tr := &http.Transport{MaxIdleConnsPerHost: *conc * 2, MaxConnsPerHost: *conc * 2}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	run := func(d time.Duration, record bool) (lat []time.Duration, errs, bytesRead int) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range *conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []time.Duration
				myErrs, myBytes := 0, 0
				for ctx.Err() == nil {
					req, _ := http.NewRequest(http.MethodGet, *target, nil)
					if *token != "" {
						req.Header.Set("Authorization", "Bearer "+*token)
					}
					start := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						if ctx.Err() == nil {
							myErrs++
						}
						continue
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						myErrs++
					}
					mine = append(mine, time.Since(start))
					myBytes += int(n)
				}
				if record {
					mu.Lock()
					lat = append(lat, mine...)
					errs += myErrs
					bytesRead += myBytes
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return lat, errs, bytesRead
	}
	if *warm > 0 {
		run(*warm, false)
	}
	start := time.Now()
	lat, errs, n := run(*dur, true)
	el := time.Since(start)
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	fmt.Printf("requests %d in %s with %d workers: %.0f req/s, %d non-200 or failed, %.1f MB/s\n",
		len(lat), el.Round(time.Millisecond), *conc, float64(len(lat))/el.Seconds(), errs, float64(n)/el.Seconds()/1e6)
	fmt.Printf("latency p50 %s  p90 %s  p99 %s  max %s\n", pct(.50), pct(.90), pct(.99), pct(1))
	if errs > 0 {
		os.Exit(1)
	}
}

// mint asks the emulator's control plane for a token.
// mint asks the emulator's control plane for a token; controlToken, when
// the emulator was started with one, authorizes the request.
func mint(u, user, controlToken string) (string, error) {
	body, _ := json.Marshal(map[string]string{"user": user})
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if controlToken != "" {
		req.Header.Set("Authorization", "Bearer "+controlToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return "", fmt.Errorf("token response: %w", err)
	}
	if out.AccessToken == "" {
		return "", fmt.Errorf("no token: %s", out.Error)
	}
	return out.AccessToken, nil
}
