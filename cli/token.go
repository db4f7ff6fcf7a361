package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/domain"
)

const tokenUsage = `usage: actorgraph token create --workspace W --role ROLE --name NAME [--clearance LEVEL] [--expires 720h]
       actorgraph token create --admin --name NAME
       actorgraph token list [--workspace W]
       actorgraph token revoke TOKEN_ID`

const tokenWhat = "Manages API tokens from the server's machine, straight against Neo4j: for the first token, and when no owner can (a lost owner token)."

// runToken is `actorgraph token create|list|revoke`: token management from
// the server's machine, straight against Neo4j, for bootstrapping and for
// when no owner can (a lost owner token).
func runToken(ctx context.Context, args []string, std IO) error {
	stdout := std.Stdout
	if len(args) == 0 {
		return errors.New(tokenUsage)
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "-h", "-help", "--help", "help":
		return &config.HelpError{Usage: tokenUsage + "\n\n" + tokenWhat + "\n"}
	case "create", "list", "revoke":
	default:
		return fmt.Errorf("unknown token command %q\n%s", cmd, tokenUsage)
	}
	fs := flag.NewFlagSet("token "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	ws := fs.String("workspace", "", "the workspace the token is for")
	role := fs.String("role", "", "VIEWER, ANALYST, EDITOR or OWNER")
	name := fs.String("name", "", "a name to tell the token apart")
	clearance := fs.String("clearance", "", "PUBLIC, RESTRICTED or CONFIDENTIAL; the role's default when absent")
	expires := fs.Duration("expires", 0, "how long the token works, e.g. 720h; for ever when absent")
	admin := fs.Bool("admin", false, "an admin token: creates workspaces, owns every workspace")
	if err := parseFlags(fs, args, tokenUsage, tokenWhat); err != nil {
		var help *config.HelpError
		if errors.As(err, &help) {
			return err
		}
		return fmt.Errorf("%w\n%s", err, tokenUsage)
	}
	st, ctx, done, err := openStore(ctx, std.Env, time.Minute)
	if err != nil {
		return err
	}
	defer done()
	switch cmd {
	case "create":
		in := auth.IssueInput{Name: *name, Workspace: *ws, Admin: *admin}
		if !*admin {
			if in.Role, err = domain.ParseRole(*role); err != nil {
				return err
			}
		}
		if *clearance != "" {
			c, err := domain.ParseSensitivity(*clearance)
			if err != nil {
				return err
			}
			in.Clearance = &c
		}
		if *expires > 0 {
			t := time.Now().Add(*expires).UTC()
			in.ExpiresAt = &t
		}
		if !*admin {
			if _, err := st.WorkspaceVersion(ctx, *ws); err != nil {
				return err
			}
		}
		t, secret, err := auth.Issue(ctx, st, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(std.Stderr, "token %s (%s) created; its secret is shown once, below:\n", t.ID, shown(t.Name))
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		ts, err := st.Tokens(ctx, *ws)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tWORKSPACE\tADMIN\tCREATED\tEXPIRES\tREVOKED")
		for _, t := range ts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\t%s\t%s\n", t.ID, shown(t.Name), orDash(t.WorkspaceID), t.Admin,
				t.CreatedAt.Format(time.RFC3339), timeOrDash(t.ExpiresAt), timeOrDash(t.RevokedAt))
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return errors.New(tokenUsage)
		}
		t, err := st.RevokeToken(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token %s (%s) revoked at %s\n", t.ID, shown(t.Name), t.RevokedAt.Format(time.RFC3339))
		return nil
	}
	return fmt.Errorf("unknown token command %q\n%s", cmd, tokenUsage)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}
