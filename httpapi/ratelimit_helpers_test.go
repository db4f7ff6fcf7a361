package httpapi

import "net/http"

// rateKey names the bucket a request is charged to when no proxy is
// trusted: see clientAddresses.rateKey.
func rateKey(r *http.Request) string { return clientAddresses{}.rateKey(r) }
