package httpapi

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.uber.org/zap"
)

// requestInfo collects what the request log line reports: the operation
// and the error codes the presenter handed out. Variables are never
// recorded: they may carry sensitive data.
type requestInfo struct {
	mu        sync.Mutex
	operation string
	opType    string
	codes     map[string]int
}

type requestInfoKey struct{}

func requestInfoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

func (i *requestInfo) setOperation(name, typ string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.operation, i.opType = name, typ
}

func (i *requestInfo) addCode(code string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.codes == nil {
		i.codes = map[string]int{}
	}
	i.codes[code]++
}

// recordCodes notes each presented error's code in the request's info.
func recordCodes(present graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		e := present(ctx, err)
		if info := requestInfoFrom(ctx); info != nil && e != nil {
			code, _ := e.Extensions["code"].(string)
			info.addCode(code)
		}
		return e
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// withRequestLog writes one log line per request: path, status, duration,
// and for GraphQL the operation name and type and the error codes.
func withRequestLog(log *zap.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info)))
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			return // probes would drown the log
		}
		info.mu.Lock()
		defer info.mu.Unlock()
		outcome := "ok"
		if len(info.codes) > 0 || rec.status >= 400 {
			outcome = "error"
		}
		log.Info("request", zap.String("method", r.Method), zap.String("path", r.URL.Path),
			zap.Int("status", rec.status), zap.Duration("duration", time.Since(start)),
			zap.String("operation", info.operation), zap.String("operationType", info.opType),
			zap.String("outcome", outcome), zap.Any("errorCodes", info.codes))
	})
}
