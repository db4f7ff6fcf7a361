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

	"github.com/actorgraph/actorgraph/cli"
)

//go:generate go tool gqlgen generate

func main() {
	// The first SIGINT or SIGTERM asks the command to stop (serve
	// finishes its requests; an import rolls back); a second one, default
	// again, ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }()
	err := cli.Run(ctx, os.Args[1:], cli.IO{Env: os.LookupEnv, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "actorgraph:", err)
		os.Exit(1)
	}
}
