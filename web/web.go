// Package web serves the explorer (at /) and GraphiQL (at /graphiql) from
// assets embedded in the binary: web/build bundles web/src into web/dist,
// which is committed, so a plain `go build` serves both pages and no
// request ever leaves the origin.
package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
)

//go:embed dist
var dist embed.FS

// ContentSecurityPolicy lets the pages load scripts, styles and
// everything else from this origin only, and talk to nothing else. Two
// exceptions, both still of this origin's making: inline style attributes
// (GraphiQL's editor and the map's legend set them), and blob: workers
// (the force layout of large maps runs in a worker made from the page's
// own script).
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Options are what the pages are given.
type Options struct {
	// Token is put in the pages for them to send (the development
	// token in the development environment); empty otherwise.
	Token string
	// GraphiQL serves GraphiQL at /graphiql (the development
	// environment's default); the explorer is always served.
	GraphiQL bool
}

// Handler serves the explorer at /, GraphiQL at /graphiql (when on) and
// their assets at /assets/, with ContentSecurityPolicy on every answer.
func Handler(opts Options) (http.Handler, error) {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, err
	}
	explorer, err := page(sub, "index.html", opts)
	if err != nil {
		return nil, err
	}
	graphiql, err := page(sub, "graphiql.html", opts)
	if err != nil {
		return nil, err
	}
	assets := http.FileServerFS(sub)
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", servePage(explorer))
	if opts.GraphiQL {
		mux.Handle("GET /graphiql", servePage(graphiql))
	}
	mux.Handle("GET /assets/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The assets change only with the binary; a page load revalidates.
		w.Header().Set("Cache-Control", "no-cache")
		assets.ServeHTTP(w, r)
	}))
	return withSecurityHeaders(mux), nil
}

// page fills in a page's template once, at start-up.
func page(files fs.FS, name string, opts Options) ([]byte, error) {
	t, err := template.ParseFS(files, name)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, opts); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func servePage(body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// A page may carry a token: never cached.
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	})
}

func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
