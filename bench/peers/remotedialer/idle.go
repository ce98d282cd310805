package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rancher/remotedialer"
)

// idleAgents opens -count agent sessions to the server, each a websocket of its own (its own TCP and TLS
// connection, as separate agent processes would have), under the ids <id-prefix>1..N, and keeps them idle. It prints
// "started" once every session is connected and exits when stdin closes.
func idleAgents(args []string) error {
	fs := flag.NewFlagSet("idle-agents", flag.ExitOnError)
	connect := fs.String("connect", "", "the server's tunnel endpoint, e.g. wss://127.0.0.1:8123/connect")
	caFile := fs.String("ca-file", "", "PEM CA of the server")
	tokenFile := fs.String("token-file", "", "the token the server expects from agents")
	prefix := fs.String("id-prefix", "idle-", "tunnel ids are this prefix and 1..count")
	count := fs.Int("count", 1000, "agent sessions to open")
	cluster := fs.String("cluster-address", "", "host:port the agents would dial (none is asked of them)")
	parse(fs, args)
	if u, err := url.Parse(*connect); err != nil || u.Scheme != "wss" {
		return errors.New("-connect must be a wss:// URL")
	}
	if *count < 1 || *count > 100_000 {
		return errors.New("-count must be 1-100000")
	}
	pool, err := readPool(*caFile, "ca-file")
	if err != nil {
		return err
	}
	token, err := readSecret(*tokenFile, "token-file")
	if err != nil {
		return err
	}
	allow := func(proto, address string) bool { return proto == "tcp" && address == *cluster }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var connected atomic.Int64
	var wg sync.WaitGroup
	for i := 1; i <= *count; i++ {
		headers := http.Header{"X-Tunnel-ID": {*prefix + strconv.Itoa(i)}, "Authorization": {"Bearer " + token}}
		// A dialer (and so a TLS client config and connection) per agent.
		dialer := &websocket.Dialer{
			TLSClientConfig:  &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
			HandshakeTimeout: 30 * time.Second,
		}
		var once sync.Once
		onConnect := func(context.Context, *remotedialer.Session) error {
			once.Do(func() { connected.Add(1) })
			return nil
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = remotedialer.ClientConnectWithOpts(ctx, *connect, headers, dialer, allow, onConnect, nil)
		}()
	}
	deadline := time.Now().Add(3 * time.Minute)
	for connected.Load() < int64(*count) {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d agent sessions connected within 3 min", connected.Load(), *count)
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Println("started")
	<-untilStdinCloses()
	cancel()
	return nil
}

// memorySample is what the server prints for each stdin line: its RSS after a GC that returns freed memory to the
// OS, and the agent sessions it holds.
func memorySample(sessions int64) string {
	runtime.GC()
	debug.FreeOSMemory()
	rss := int64(0)
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			pages, _ := strconv.ParseInt(f[1], 10, 64)
			rss = pages * int64(os.Getpagesize())
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	out, _ := json.Marshal(map[string]any{"rss": rss, "heap": m.HeapAlloc, "sessions": sessions, "goroutines": runtime.NumGoroutine()})
	return string(out)
}

// stdinLines calls onLine for each line of stdin and closes the returned channel at EOF (the parent is done).
func stdinLines(onLine func(string)) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		scanner := bufio.NewScanner(os.Stdin)
		for scanner.Scan() {
			onLine(scanner.Text())
		}
		close(done)
	}()
	return done
}

// countingHandler counts the requests in flight: for /connect, the agent sessions (each lasts its websocket's life).
type countingHandler struct {
	next     http.Handler
	inFlight atomic.Int64
}

func (c *countingHandler) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	c.next.ServeHTTP(rw, req)
}
