//go:build tools

// Package tools keeps `go mod tidy` from dropping the command this module builds.
package tools

import _ "go.etcd.io/etcd/server/v3"
