// Package e2e tests the service whole, from outside: the real binary
// under load and SIGTERM, the development start-up of dev/run, and a
// private Neo4j frozen, stopped and restarted under a running service
// (the outage and soak tests). Its tests run beside the other packages'
// in `go test ./...`; it holds no code of its own.
package e2e
