package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"go.uber.org/zap"
)

// What the store logs: statements slower than Neo4j.slow, transactions
// the driver retries, and driver errors the store did not expect (those
// mapErr maps to errs.Internal).
//
// A statement's parameters and the records it returns may hold what a
// workspace keeps confidential, and Neo4j's error messages may quote
// them, so none of these reach the log: a statement is named by its
// operation and fingerprint, an error by its Neo4j code or its Go type.

// defaultSlowStatement is how long a statement may take before it is
// logged, when Config.SlowStatement does not say.
const defaultSlowStatement = time.Second

// slowThreshold turns Config.SlowStatement into Neo4j.slow: zero is the
// default, a negative value turns the log off (slow 0).
func slowThreshold(configured time.Duration) time.Duration {
	switch {
	case configured == 0:
		return defaultSlowStatement
	case configured < 0:
		return 0
	}
	return configured
}

// fingerprint names a statement in the log without its parameters: its
// first line (statements are fixed text, values are always parameters),
// cut short, and a hash of the whole text that tells apart statements
// that begin alike (many begin "CALL () {").
func fingerprint(cypher string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(cypher), "\n")
	first = strings.TrimSpace(first)
	if r := []rune(first); len(r) > 60 {
		first = string(r[:60]) + "…"
	}
	sum := sha256.Sum256([]byte(cypher))
	return first + " #" + hex.EncodeToString(sum[:4])
}

// logIfSlow logs a statement of operation op that took elapsed, when
// that is longer than the store's threshold.
func (s *Neo4j) logIfSlow(op, cypher string, elapsed time.Duration) {
	if s.slow <= 0 || elapsed < s.slow {
		return
	}
	s.log.Warn("store: slow statement", zap.String("op", op), zap.String("statement", fingerprint(cypher)),
		zap.Duration("elapsed", elapsed), zap.Duration("threshold", s.slow))
}

// logRetry logs that the driver is about to run again the transaction
// whose last attempt was prev, with what ended that attempt when its own
// work failed (otherwise its commit or its connection did).
func (s *Neo4j) logRetry(prev *opTx) {
	fields := []zap.Field{zap.String("op", prev.op), zap.Int("attempt", prev.n+1)}
	if prev.err != nil {
		fields = append(fields, errFields(prev.err)...)
	}
	s.log.Warn("store: retrying transaction", append(fields, prev.failedStatement()...)...)
}

// logInternal logs a driver error that mapErr could not classify: a bug
// in a statement, or a failure the store does not know yet.
func (s *Neo4j) logInternal(op string, err error, fields []zap.Field) {
	s.log.Error("store: unexpected Neo4j error", append([]zap.Field{zap.String("op", op)}, append(errFields(err), fields...)...)...)
}

// errFields describes err without its message: Neo4j's messages may quote
// the values a statement was given.
func errFields(err error) []zap.Field {
	var n4j *neo4j.Neo4jError
	if errors.As(err, &n4j) {
		return []zap.Field{zap.String("code", n4j.Code)}
	}
	return []zap.Field{zap.String("errorType", fmt.Sprintf("%T", err))}
}

// failedStatement names, for the log, the statement that failed in t.
func (t *opTx) failedStatement() []zap.Field {
	if t == nil || t.failed == "" {
		return nil
	}
	return []zap.Field{zap.String("statement", t.failed)}
}
