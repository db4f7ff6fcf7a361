// Command bench measures ActorGraph side by side with @neo4j/graphql (the
// peer, bench/peer) and with the same reads sent to Neo4j as single Cypher
// statements (raw), on synthetic maps of several sizes, and prints one
// table. bench/run starts Neo4j and builds what this needs; see
// docs/performance.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/actorgraph/actorgraph/bench/gen"
	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/store"
)

type options struct {
	sizes       []int
	conc        []int
	duration    time.Duration
	requests    int
	seed        uint64
	binary      string
	peerDir     string
	out         string
	logDir      string
	neo4jURI    string
	neo4jHeap   string
	commandLine string
	only        []string // workloads whose name contains one of these (lower case); empty: all
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseList(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(strings.ToLower(p))
		mult := 1
		if strings.HasSuffix(p, "k") {
			mult, p = 1000, strings.TrimSuffix(p, "k")
		}
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", p)
		}
		out = append(out, n*mult)
	}
	return out, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("sizes", "1k,10k", "map sizes in actors, multiples of 100 (1k = 1000)")
	conc := fs.String("concurrency", "1,8", "concurrency levels (requests in flight at once)")
	var o options
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each workload runs per caller and concurrency")
	fs.IntVar(&o.requests, "requests", 0, "a fixed number of requests per workload, caller and concurrency instead of --duration (the smoke test's mode: nothing depends on the clock)")
	fs.Uint64Var(&o.seed, "seed", 14, "the generator's seed: the same seed gives the same maps")
	fs.StringVar(&o.binary, "actorgraph", "bin/actorgraph", "the actorgraph binary to serve with")
	fs.StringVar(&o.peerDir, "peer", "bench/peer", "the peer's directory (npm ci done); empty: no peer")
	fs.StringVar(&o.out, "out", "", "also write the report (markdown) to this file")
	fs.StringVar(&o.logDir, "logs", os.TempDir(), "where the servers' logs go")
	only := fs.String("workloads", "", "only the workloads whose name contains one of these comma-separated words (case-insensitive), e.g. \"by id,page,N+1,create\"; empty: all")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if o.sizes, err = parseList(*sizes); err != nil {
		return fmt.Errorf("--sizes: %w", err)
	}
	for _, n := range o.sizes {
		if n%gen.RegionSize != 0 {
			return fmt.Errorf("--sizes: %d is not a multiple of %d", n, gen.RegionSize)
		}
	}
	for _, w := range strings.Split(*only, ",") {
		if w = strings.TrimSpace(strings.ToLower(w)); w != "" {
			o.only = append(o.only, w)
		}
	}
	if o.conc, err = parseList(*conc); err != nil {
		return fmt.Errorf("--concurrency: %w", err)
	}
	o.neo4jURI = os.Getenv("NEO4J_URI")
	if o.neo4jURI == "" {
		return fmt.Errorf("NEO4J_URI is not set (bench/run starts a Neo4j and sets it)")
	}
	o.neo4jHeap = os.Getenv("NEO4J_HEAP")
	o.commandLine = "bench/run " + strings.Join(shownArgs(args), " ")
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, time.Now().UTC().Format("15:04:05 ")+format+"\n", a...)
	}

	ctx := domain.WithCaller(context.Background(), domain.Operator("bench"))
	cfg, err := config.LoadNeo4j(os.LookupEnv)
	if err != nil {
		return err
	}
	st, err := store.Open(cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close(context.Background())
	if err := st.EnsureSchema(ctx); err != nil {
		return err
	}
	rawDB, err := openRaw(ctx, o.neo4jURI)
	if err != nil {
		return err
	}
	defer rawDB.close()

	rep := &report{opts: o, started: time.Now().UTC()}
	var problems []string
	var failed error
	for _, n := range o.sizes {
		sr, err := runSize(ctx, st, rawDB, o, n, logf)
		if err != nil {
			// What the sizes before measured is still reported.
			failed = fmt.Errorf("%d actors: %w", n, err)
			break
		}
		rep.sizes = append(rep.sizes, sr)
		problems = append(problems, sr.problems...)
		if o.out != "" { // after each size, so that a long run that is stopped leaves what it measured
			if err := writeReport(o.out, rep.markdown()); err != nil {
				return err
			}
		}
	}
	fmt.Fprint(stdout, rep.markdown())
	if failed != nil {
		return failed
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, "FAIL:", p)
		}
		return fmt.Errorf("%d problems (errors, or answers that differ)", len(problems))
	}
	return nil
}

// shownArgs are the arguments the report shows: those bench/run adds
// itself (where the binary and the logs are) left out.
func shownArgs(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		switch a := strings.TrimLeft(args[i], "-"); {
		case a == "actorgraph" || a == "logs":
			i++
		case strings.HasPrefix(a, "actorgraph=") || strings.HasPrefix(a, "logs="):
		default:
			out = append(out, shellQuote(args[i]))
		}
	}
	return out
}

// shellQuote writes arg as a shell reads it back: as it is when it is
// plain, else in single quotes, so that a command with an empty --peer
// or a --workloads with spaces can be run again as the report shows it.
func shellQuote(arg string) string {
	plain := arg != "" && strings.IndexFunc(arg, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./,:=+@%", r))
	}) < 0
	if plain {
		return arg
	}
	return "'" + strings.ReplaceAll(arg, "'", `'\''`) + "'"
}

// wants says whether --workloads selects the workload of this name.
func (o options) wants(name string) bool {
	if len(o.only) == 0 {
		return true
	}
	name = strings.ToLower(name)
	for _, w := range o.only {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
