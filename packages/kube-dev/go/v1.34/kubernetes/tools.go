//go:build tools

// Package tools keeps `go mod tidy` from dropping the commands this module builds.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kubectl"
)
