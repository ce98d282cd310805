package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rancher/remotedialer"
)

const proxyPrefix = "/k8s/clusters/"

func server(args []string) error {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address for callers and agents (TLS)")
	dir := fs.String("dir", "", "private directory for the generated server certificate (ca.pem is written there)")
	cluster := fs.String("cluster", "", "kube-apiserver URL as the agent sees it, e.g. https://127.0.0.1:6443")
	clusterCA := fs.String("cluster-ca-file", "", "PEM CA of kube-apiserver")
	clusterToken := fs.String("cluster-token-file", "", "bearer token the server sends to kube-apiserver")
	clientToken := fs.String("client-token-file", "", "bearer token callers must present")
	agentToken := fs.String("agent-token-file", "", "token agents present when they open their tunnel")
	// HTTP/1.1 by default: with HTTP/2 through the tunnel, remotedialer v0.6.2 wedges the connection once a response
	// passes its 2 MiB read buffer (back_pressure.go: our own Pause() of the agent sets the flag our Write waits on,
	// and Resume() clears it without waking that Write; the stuck Write is HTTP/2's WINDOW_UPDATE). See bench/README.md.
	upstreamH2 := fs.Bool("upstream-h2", false, "speak HTTP/2 to kube-apiserver through the tunnel (stalls on responses over 2 MiB, see above)")
	parse(fs, args)
	if *dir == "" || *cluster == "" {
		return errors.New("-dir and -cluster are required")
	}
	target, err := url.Parse(*cluster)
	if err != nil || target.Scheme != "https" || target.Host == "" {
		return fmt.Errorf("-cluster must be an https URL, not %q", *cluster)
	}
	caPool, err := readPool(*clusterCA, "cluster-ca-file")
	if err != nil {
		return err
	}
	secrets := map[string]*string{"cluster-token-file": clusterToken, "client-token-file": clientToken, "agent-token-file": agentToken}
	tokens := map[string]string{}
	for name, path := range secrets {
		if tokens[name], err = readSecret(*path, name); err != nil {
			return err
		}
	}

	tunnels := remotedialer.New(func(req *http.Request) (string, bool, error) {
		id := req.Header.Get("X-Tunnel-ID")
		return id, id != "" && bearerIs(req, tokens["agent-token-file"]), nil
	}, remotedialer.DefaultErrorWriter)
	// The agent may dial only what the server asks of it; the agent enforces its own rule too.
	tunnels.ClientConnectAuthorizer = func(proto, address string) bool { return proto == "tcp" && address == target.Host }

	p := &clusterProxy{
		tunnels:      tunnels,
		target:       target,
		caPool:       caPool,
		clusterToken: tokens["cluster-token-file"],
		clientToken:  tokens["client-token-file"],
		upstreamH2:   *upstreamH2,
		proxies:      map[string]*httputil.ReverseProxy{},
	}
	mux := http.NewServeMux()
	sessions := &countingHandler{next: tunnels}
	mux.Handle("/connect", sessions)
	mux.Handle(proxyPrefix, p)

	cert, caFile, err := selfSignedCert(*dir)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           mux,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    1 << 20,
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeTLS(ln, "", "") }()
	ready, _ := json.Marshal(map[string]any{
		"url":    "https://" + ln.Addr().String(),
		"caFile": caFile,
	})
	fmt.Println(string(ready))

	select {
	case err := <-served:
		return err
	// Each stdin line asks for a memory sample (bench/peers' idle-agent row); EOF stops the server.
	case <-stdinLines(func(string) { fmt.Println(memorySample(sessions.inFlight.Load())) }):
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		return nil
	}
}

// clusterProxy serves /k8s/clusters/<tunnel id>/<Kubernetes path> (Rancher's URL shape) through that tunnel.
type clusterProxy struct {
	tunnels      *remotedialer.Server
	target       *url.URL
	caPool       *x509.CertPool
	clusterToken string
	clientToken  string
	upstreamH2   bool
	mu           sync.Mutex
	proxies      map[string]*httputil.ReverseProxy
}

func (p *clusterProxy) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	if !bearerIs(req, p.clientToken) {
		http.Error(rw, "unauthorized", http.StatusUnauthorized)
		return
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, proxyPrefix), "/")
	if id == "" || !p.tunnels.HasSession(id) {
		http.Error(rw, fmt.Sprintf("no tunnel from agent %q", id), http.StatusServiceUnavailable)
		return
	}
	p.proxyFor(id, len(proxyPrefix)+len(id)).ServeHTTP(rw, req)
}

// proxyFor keeps one transport (and so one pool of tunnelled connections) per agent.
func (p *clusterProxy) proxyFor(id string, strip int) *httputil.ReverseProxy {
	p.mu.Lock()
	defer p.mu.Unlock()
	if rp := p.proxies[id]; rp != nil {
		return rp
	}
	transport := &http.Transport{
		DialContext:         p.tunnels.Dialer(id),
		TLSClientConfig:     &tls.Config{RootCAs: p.caPool, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:   p.upstreamH2,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		// Pass the caller's Accept-Encoding through untouched.
		DisableCompression: true,
	}
	if !p.upstreamH2 {
		transport.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	rp := &httputil.ReverseProxy{
		Transport: transport,
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme = p.target.Scheme
			r.Out.URL.Host = p.target.Host
			r.Out.URL.Path = r.In.URL.Path[strip:]
			r.Out.URL.RawPath = ""
			r.Out.Host = p.target.Host
			r.Out.Header.Set("Authorization", "Bearer "+p.clusterToken)
		},
		ErrorHandler: func(rw http.ResponseWriter, _ *http.Request, err error) {
			http.Error(rw, "through the tunnel: "+err.Error(), http.StatusBadGateway)
		},
	}
	p.proxies[id] = rp
	return rp
}

func bearerIs(req *http.Request, token string) bool {
	got, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

func readPool(path, flagName string) (*x509.CertPool, error) {
	if path == "" {
		return nil, fmt.Errorf("-%s is required", flagName)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading -%s: %w", flagName, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// selfSignedCert makes a throwaway certificate for 127.0.0.1 that is its own CA, written to <dir>/ca.pem (0600).
func selfSignedCert(dir string) (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "bench remotedialer server"},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, "", err
	}
	caFile := filepath.Join(dir, "ca.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		return tls.Certificate{}, "", err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, caFile, nil
}
