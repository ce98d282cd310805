package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rancher/remotedialer"
)

func agent(args []string) error {
	fs := flag.NewFlagSet("agent", flag.ExitOnError)
	connect := fs.String("connect", "", "the server's tunnel endpoint, e.g. wss://127.0.0.1:8123/connect")
	caFile := fs.String("ca-file", "", "PEM CA of the server")
	id := fs.String("id", "agent", "tunnel id (the <id> of /k8s/clusters/<id>/)")
	tokenFile := fs.String("token-file", "", "the token the server expects from agents")
	cluster := fs.String("cluster-address", "", "host:port of kube-apiserver, the one address the server may ask us to dial")
	parse(fs, args)
	if u, err := url.Parse(*connect); err != nil || u.Scheme != "wss" {
		return errors.New("-connect must be a wss:// URL")
	}
	if *cluster == "" {
		return errors.New("-cluster-address is required")
	}
	pool, err := readPool(*caFile, "ca-file")
	if err != nil {
		return err
	}
	token, err := readSecret(*tokenFile, "token-file")
	if err != nil {
		return err
	}
	headers := http.Header{"X-Tunnel-ID": {*id}, "Authorization": {"Bearer " + token}}
	dialer := &websocket.Dialer{
		TLSClientConfig:  &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		HandshakeTimeout: 10 * time.Second,
	}
	allow := func(proto, address string) bool { return proto == "tcp" && address == *cluster }

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-untilStdinCloses()
		cancel()
	}()
	err = remotedialer.ClientConnectWithOpts(ctx, *connect, headers, dialer, allow, nil, nil)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
