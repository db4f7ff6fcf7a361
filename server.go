// Command actorgraph is the ActorGraph service: a GraphQL API over Neo4j
// for mapping who holds power over whom, who trusts whom, and how
// communities can hold the powerful to account.
//
// This file only hands the process's arguments, environment, standard
// streams and signals to the commands in cli/. Where the rest lives:
//
//	schema/     the GraphQL API contract (SDL)
//	graph/      gqlgen's generated executable schema (go generate ./...)
//	resolvers/  thin resolvers: check input, call the store or analysis
//	loaders/    per-request dataloaders (no N+1)
//	store/      every Cypher statement, behind store.Store
//	analysis/   routes, gaps, brokers, closures: in memory, no Neo4j
//	auth/       who is calling and what it may do
//	httpapi/    routes and middleware: CORS, limits, logs, exports
//	cli/        the commands: serve, import, export, template, token
//	config/     configuration: environment, then flags
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/actorgraph/actorgraph/cli"
)

//go:generate go tool gqlgen generate

// sameSignal is how long after a stop signal another counts as the same
// request: a person pressing Ctrl-C again to end the process at once
// waits longer than this.
const sameSignal = 2 * time.Second

func main() {
	// The first SIGINT or SIGTERM asks the command to stop (serve
	// finishes its requests; an import rolls back); a second one, default
	// again, ends the process at once. Signals in the first moments after
	// the first are that same request, not a second: Ctrl-C reaches the
	// whole process group, so a wrapper such as dev/run, which passes
	// signals on to the server, delivers one press twice (in CI the copy
	// came after the defaults were back, and killed a server that was
	// finishing its requests).
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		time.Sleep(sameSignal)
		stop()
	}()
	err := cli.Run(ctx, os.Args[1:], cli.IO{Env: os.LookupEnv, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "actorgraph:", err)
		os.Exit(1)
	}
}
