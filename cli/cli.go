// Package cli is the actorgraph command: serve (the service), template,
// import, export and token. Each command is a thin layer over importable
// packages (config, store, httpapi, mapio, auth); server.go at the
// module's root only hands it the process's arguments, environment and
// standard streams.
//
//	actorgraph [serve] [flags]
//	actorgraph template [--format csv] [-o DIR]
//	actorgraph import --workspace W [--dry-run [--suggest-mapping PATH]] [--mapping PATH] [--sync] FILE...
//	actorgraph export --workspace W --format csv [-o DIR]
//	actorgraph token create|list|revoke ...
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/errs"
)

// IO is what a command reads from and writes to: the process's
// environment and standard streams, or a test's.
type IO struct {
	Env    config.Env
	Stdout io.Writer
	Stderr io.Writer
}

const usage = `usage: actorgraph [serve] [flags]      run the service (actorgraph serve -h lists the flags)
       actorgraph template [--format csv|xlsx] [-o PATH]                write the import template
       actorgraph import --workspace W [--format F] [--dry-run] [--sync] [--mapping M] FILE...   import files (import -h lists the flags)
       actorgraph export --workspace W --format F [-o PATH]             export a workspace
       actorgraph token create|list|revoke ...                          manage API tokens (actorgraph token for help)`

// Run runs the command args names (serve when it names none) until it
// ends or ctx is done. A -h asks for usage, which goes to stdout.
func Run(ctx context.Context, args []string, std IO) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, std)
	case "template":
		err = runTemplate(args, std.Stdout)
	case "import":
		err = runImport(ctx, args, std)
	case "export":
		err = runExport(ctx, args, std)
	case "token":
		err = runToken(ctx, args, std)
	case "help":
		fmt.Fprintln(std.Stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q (commands: serve, template, import, export, token)", cmd)
	}
	var help *config.HelpError
	if errors.As(err, &help) {
		fmt.Fprint(std.Stdout, help.Usage)
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return publicError(err)
}

// publicError is err as a person reads it: the service's errors carry the
// operation that failed (an internal name) beside their message, and a
// command prints only the message. Other errors (a file that cannot be
// opened) say what they say.
func publicError(err error) error {
	var e *errs.Error
	if err == nil || !errors.As(err, &e) || errs.KindOf(err) == errs.Internal {
		return err
	}
	msg, _ := errs.Public(err)
	return &userError{msg: msg, err: err}
}

// userError is an error's public message, still matching what it wraps.
type userError struct {
	msg string
	err error
}

func (e *userError) Error() string { return e.msg }
func (e *userError) Unwrap() error { return e.err }

// parseFlags parses a command's flags. -h or --help asks for the
// command's usage: what it does, how it is called and its flags, which
// Run prints to standard output (and exits 0).
func parseFlags(fs *flag.FlagSet, args []string, synopsis, what string) error {
	err := fs.Parse(args)
	if !errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &config.HelpError{Usage: commandUsage(fs, synopsis, what)}
}

// commandUsage is a command's usage text.
func commandUsage(fs *flag.FlagSet, synopsis, what string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s\n\nflags:\n", synopsis, what)
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	return b.String()
}
