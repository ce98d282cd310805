// The benchmark's one load client (bench/peers): the same Go HTTP stack drives every path (direct, Mooring,
// remotedialer), so the figures compare the paths and not the clients. Prints one JSON line and exits; every
// count is bounded and the whole run ends at -timeout.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	Mode string `json:"mode"`
	// Proto is the negotiated protocol of the timed requests ("HTTP/1.1", "HTTP/2.0", or "mixed").
	Proto string `json:"proto"`
	// Requests counts the timed requests; TotalRequests adds the warm-up ones (for CPU per request).
	Requests      int     `json:"requests"`
	TotalRequests int     `json:"total_requests"`
	Seconds       float64 `json:"seconds"`
	P50Us         float64 `json:"p50_us,omitempty"`
	P99Us         float64 `json:"p99_us,omitempty"`
	Rps           float64 `json:"rps,omitempty"`
	Bytes         int64   `json:"bytes,omitempty"`
	MiBps         float64 `json:"mibps,omitempty"`
}

type options struct {
	mode, url, caFile, tokenFile string
	http2                        bool
	n, warmup, workers           int
	timeout                      time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.mode, "mode", "latency", "latency (sequential small GETs → p50/p99), concurrent (workers share -n requests → req/s), throughput (-n sequential GETs of a big body → MiB/s)")
	flag.StringVar(&o.url, "url", "", "full https URL to GET")
	flag.StringVar(&o.caFile, "ca", "", "PEM file of the CA that signed the server certificate")
	flag.StringVar(&o.tokenFile, "token-file", "", "file holding the bearer token (a file, not a flag, so it stays out of ps)")
	flag.BoolVar(&o.http2, "http2", false, "offer h2 as well as http/1.1 in ALPN (the server picks); default http/1.1 keep-alive only")
	flag.IntVar(&o.n, "n", 0, "timed requests (default: latency 300, concurrent 3000, throughput 1; at most 1000000)")
	flag.IntVar(&o.warmup, "warmup", -1, "untimed requests first (default: latency 30, concurrent 2×workers, throughput 0)")
	flag.IntVar(&o.workers, "workers", 16, "concurrent workers (concurrent mode; 1..256)")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "the whole run ends after this (at most 30m)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintf(os.Stderr, "loadclient: %v\n", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if err := defaults(&o); err != nil {
		return err
	}
	client, token, err := newClient(o)
	if err != nil {
		return err
	}
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	g := &getter{client: client, url: o.url, auth: "Bearer " + token}
	for i := 0; i < o.warmup; i++ {
		if _, _, err := g.get(ctx); err != nil {
			return fmt.Errorf("warm-up request %d: %w", i+1, err)
		}
	}
	var r result
	switch o.mode {
	case "latency":
		r, err = latency(ctx, g, o.n)
	case "concurrent":
		r, err = concurrent(ctx, g, o.n, o.workers)
	case "throughput":
		r, err = throughput(ctx, g, o.n)
	}
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("the run did not finish within -timeout %s (stopped after %s): %w", o.timeout, time.Since(began).Round(time.Millisecond), err)
		}
		return err
	}
	r.Mode = o.mode
	r.TotalRequests = r.Requests + o.warmup
	r.Proto = g.proto()
	return json.NewEncoder(os.Stdout).Encode(r)
}

func defaults(o *options) error {
	byMode := map[string][2]int{"latency": {300, 30}, "concurrent": {3000, 2 * o.workers}, "throughput": {1, 0}}
	d, ok := byMode[o.mode]
	if !ok {
		return fmt.Errorf("-mode must be latency, concurrent or throughput, not %q", o.mode)
	}
	if o.n == 0 {
		o.n = d[0]
	}
	if o.warmup < 0 {
		o.warmup = d[1]
	}
	switch {
	case !strings.HasPrefix(o.url, "https://"):
		return errors.New("-url must be an https:// URL")
	case o.caFile == "" || o.tokenFile == "":
		return errors.New("-ca and -token-file are required")
	case o.n < 1 || o.n > 1_000_000:
		return fmt.Errorf("-n must be 1..1000000, not %d", o.n)
	case o.warmup > 10_000:
		return fmt.Errorf("-warmup must be at most 10000, not %d", o.warmup)
	case o.workers < 1 || o.workers > 256:
		return fmt.Errorf("-workers must be 1..256, not %d", o.workers)
	case o.timeout <= 0 || o.timeout > 30*time.Minute:
		return fmt.Errorf("-timeout must be in (0, 30m], not %s", o.timeout)
	}
	return nil
}

func newClient(o options) (*http.Client, string, error) {
	caPEM, err := os.ReadFile(o.caFile)
	if err != nil {
		return nil, "", fmt.Errorf("reading -ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, "", fmt.Errorf("-ca %s holds no PEM certificate", o.caFile)
	}
	token, err := os.ReadFile(o.tokenFile)
	if err != nil {
		return nil, "", fmt.Errorf("reading -token-file: %w", err)
	}
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(o.http2)
	transport := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		Protocols:           protocols,
		MaxIdleConns:        2 * o.workers,
		MaxIdleConnsPerHost: 2 * o.workers,
		IdleConnTimeout:     90 * time.Second,
		// The paths are compared on the bytes the API server sends; gzip would measure the API server's CPU instead.
		DisableCompression: true,
	}
	return &http.Client{Transport: transport}, strings.TrimSpace(string(token)), nil
}

type getter struct {
	client *http.Client
	url    string
	auth   string
	mu     sync.Mutex
	protos map[string]bool
}

// get sends one GET, reads the whole body and returns its size and the time to the last byte.
func (g *getter) get(ctx context.Context) (int64, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.url, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", g.auth)
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	resp, err := g.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		head, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return 0, 0, fmt.Errorf("GET answered %s: %s", resp.Status, strings.TrimSpace(string(head)))
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return n, 0, fmt.Errorf("reading the body after %d bytes: %w", n, err)
	}
	elapsed := time.Since(start)
	g.mu.Lock()
	if g.protos == nil {
		g.protos = map[string]bool{}
	}
	g.protos[resp.Proto] = true
	g.mu.Unlock()
	return n, elapsed, nil
}

func (g *getter) proto() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.protos) != 1 {
		return "mixed"
	}
	for p := range g.protos {
		return p
	}
	return ""
}

func latency(ctx context.Context, g *getter, n int) (result, error) {
	samples := make([]time.Duration, 0, n)
	start := time.Now()
	for i := 0; i < n; i++ {
		_, d, err := g.get(ctx)
		if err != nil {
			return result{}, fmt.Errorf("request %d: %w", i+1, err)
		}
		samples = append(samples, d)
	}
	sort.Slice(samples, func(a, b int) bool { return samples[a] < samples[b] })
	return result{
		Requests: n,
		Seconds:  time.Since(start).Seconds(),
		P50Us:    micros(percentile(samples, 50)),
		P99Us:    micros(percentile(samples, 99)),
	}, nil
}

// percentile is the nearest-rank percentile of sorted samples (the definition bench/tunnel/stats.ts uses).
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(float64(len(sorted))*p/100)) - 1
	return sorted[max(0, min(len(sorted)-1, i))]
}

func micros(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }

func concurrent(ctx context.Context, g *getter, n, workers int) (result, error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if _, _, err := g.get(ctx); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return result{}, err
	}
	return result{Requests: n, Seconds: elapsed.Seconds(), Rps: float64(n) / elapsed.Seconds()}, nil
}

func throughput(ctx context.Context, g *getter, n int) (result, error) {
	var total int64
	start := time.Now()
	for i := 0; i < n; i++ {
		b, _, err := g.get(ctx)
		if err != nil {
			return result{}, fmt.Errorf("request %d: %w", i+1, err)
		}
		total += b
	}
	elapsed := time.Since(start)
	return result{
		Requests: n,
		Seconds:  elapsed.Seconds(),
		Bytes:    total,
		MiBps:    float64(total) / (1 << 20) / elapsed.Seconds(),
	}, nil
}
