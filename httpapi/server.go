package httpapi

import (
	"net/http"
	"time"

	"github.com/actorgraph/actorgraph/config"
)

// readHeaderTimeout bounds reading a request's headers: a client that
// sends them a byte at a time (slowloris) holds its connection no longer.
const readHeaderTimeout = 10 * time.Second

// NewServer is the http.Server that serves h with c's timeouts: what
// `actorgraph serve` runs, and what the tests start.
//
// Its timeouts are those of ordinary requests; withLimits moves a
// request's deadlines by its kind through http.ResponseController (an
// import's files may take --transfer-timeout to arrive once it is
// authorised; imports and exports get --transfer-timeout more to answer),
// so no server-wide timeout has to be long enough for the longest export.
//
//   - ReadTimeout (--read-timeout): the whole request, headers and body,
//     must have arrived, or the request fails and its connection closes.
//     It bounds the requests refused before withLimits sets their own
//     body deadline (by the rate limit, say): the server still reads what
//     is left of a small body after a refusal, and a client announcing a
//     body it never sends would otherwise hold its connection.
//   - WriteTimeout: from the end of the headers to the end of the answer.
//   - IdleTimeout: a kept-alive connection's wait for its next request.
func NewServer(h http.Handler, c config.HTTP) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       c.ReadTimeout,
		WriteTimeout:      c.WriteTimeout,
		IdleTimeout:       c.IdleTimeout,
	}
}
