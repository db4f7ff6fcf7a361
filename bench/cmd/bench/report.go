package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// row is one workload at one size and concurrency, every caller.
type row struct {
	workload string
	actors   int
	conc     int
	cells    map[string]*cell
}

type report struct {
	opts    options
	started time.Time
	sizes   []*sizeResult
}

func ms(d time.Duration) string {
	x := float64(d) / float64(time.Millisecond)
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	default:
		return fmt.Sprintf("%.2f", x)
	}
}

func (c *cell) String() string {
	if c == nil {
		return "–"
	}
	s := fmt.Sprintf("%s / %s / %s; %.1f", ms(c.p50), ms(c.p95), ms(c.p99), c.throughput)
	if c.errors > 0 {
		s += fmt.Sprintf(" (%d errors)", c.errors)
	}
	return s
}

// ratio is a's p50 over b's, and a's throughput over b's.
func ratio(a, b *cell) string {
	if a == nil || b == nil || b.p50 == 0 || b.throughput == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f× / %.2f×", float64(a.p50)/float64(b.p50), a.throughput/b.throughput)
}

func (r *row) summary() string {
	var parts []string
	for _, c := range callers {
		if cl := r.cells[c]; cl != nil {
			parts = append(parts, c+" "+cl.String())
		}
	}
	return fmt.Sprintf("%s, concurrency %d: %s", r.workload, r.conc, strings.Join(parts, "; "))
}

func size(n int) string {
	if n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// machine describes the machine: CPU model, cores, memory.
func machine() string {
	model, mem := "", ""
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				var kb int64
				fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
				mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
		f.Close()
	}
	return fmt.Sprintf("%d cores (%s), %s memory, %s/%s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH)
}

func (rep *report) markdown() string {
	var b strings.Builder
	o := rep.opts
	fmt.Fprintf(&b, "Measured %s on %s. Neo4j heap %s, one Neo4j for every caller. ", rep.started.Format("2006-01-02 15:04 MST"), machine(), orDefault(o.neo4jHeap, "not known (a Neo4j this run did not start: set NEO4J_HEAP to name its heap)"))
	if o.requests > 0 {
		fmt.Fprintf(&b, "%d requests per cell. ", o.requests)
	} else {
		fmt.Fprintf(&b, "%s per cell (accountabilityGaps: at most 20 requests). ", o.duration)
	}
	fmt.Fprintf(&b, "Seed %d. Command: `%s`.\n\n", o.seed, strings.TrimSpace(o.commandLine))
	fmt.Fprintln(&b, "Cells: p50 / p95 / p99 ms; requests per second. Ratios: p50 / throughput, ActorGraph over the other.")
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "| workload | actors | conc. | admin | analyst | peer | raw Cypher | admin ÷ peer | analyst ÷ peer | admin ÷ raw | analyst ÷ raw |")
	fmt.Fprintln(&b, "|---|---|---|---|---|---|---|---|---|---|---|")
	for _, s := range rep.sizes {
		for _, r := range s.rows {
			c := r.cells
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.workload, size(r.actors), r.conc,
				c[admin], c[analyst], c[peer], c[raw], ratio(c[admin], c[peer]), ratio(c[analyst], c[peer]), ratio(c[admin], c[raw]), ratio(c[analyst], c[raw]))
		}
	}
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "| actors | relationships | load (store import, chunks of 50k) | ActorGraph peak RSS (VmHWM) | peer peak RSS |")
	fmt.Fprintln(&b, "|---|---|---|---|---|")
	for _, s := range rep.sizes {
		peerPeak := "–"
		if s.peerPeak > 0 {
			peerPeak = mib(s.peerPeak)
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", size(s.actors), s.relationships, s.loadTime.Round(time.Second), mib(s.serverPeak), peerPeak)
	}
	fmt.Fprintln(&b)
	for _, s := range rep.sizes {
		for _, n := range s.notes {
			fmt.Fprintf(&b, "- %s actors: %s.\n", size(s.actors), n)
		}
	}
	return b.String()
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// writeReport writes the report into file: between the lines
// <!-- bench:begin --> and <!-- bench:end --> when the file has them
// (the rest of the page stays), otherwise as the whole file.
func writeReport(path, text string) error {
	const begin, end = "\n<!-- bench:begin -->\n", "\n<!-- bench:end -->\n"
	old, err := os.ReadFile(path)
	if err == nil {
		s := string(old)
		if i := strings.Index(s, begin); i >= 0 {
			if j := strings.Index(s[i+len(begin)-1:], end); j >= 0 {
				j += i + len(begin) - 1
				return os.WriteFile(path, []byte(s[:i+len(begin)]+text+s[j+1:]), 0o644)
			}
		}
	}
	return os.WriteFile(path, []byte(text), 0o644)
}
