// A minimal remotedialer pair for bench/peers, wired as remotedialer's README and its server/ and client/ examples
// show: `server` terminates the caller's TLS, checks its bearer token and forwards the HTTP request to the cluster
// through the agent's websocket tunnel (end-to-end TLS to kube-apiserver over the tunnelled TCP connection, with the
// cluster token the server holds); `agent` connects to the server and dials
// kube-apiserver on its behalf; `idle-agents` opens N idle agent sessions (the idle-agent memory row). All exit when
// stdin closes, so they never outlive the benchmark.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sirupsen/logrus"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: rdharness server|agent|idle-agents [flags] (-h for the flags)")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "server":
		err = server(os.Args[2:])
	case "agent":
		err = agent(os.Args[2:])
	case "idle-agents":
		err = idleAgents(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: use server, agent or idle-agents", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "rdharness %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// untilStdinCloses returns a channel closed when the parent closes our stdin (or dies).
func untilStdinCloses() <-chan struct{} {
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(done)
	}()
	return done
}

func readSecret(path, flagName string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("-%s is required", flagName)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading -%s: %w", flagName, err)
	}
	s := string(b)
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	if s == "" {
		return "", fmt.Errorf("-%s %s is empty", flagName, path)
	}
	return s, nil
}

// parse adds -debug, parses args and sets remotedialer's log level: warn, so nothing is logged per connection.
func parse(fs *flag.FlagSet, args []string) {
	debug := fs.Bool("debug", false, "remotedialer's debug logging")
	_ = fs.Parse(args)
	logrus.SetLevel(logrus.WarnLevel)
	if *debug {
		logrus.SetLevel(logrus.DebugLevel)
	}
}
