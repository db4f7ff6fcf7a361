package cli

import (
	"context"
	"os/user"
	"time"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/store"
)

// openStore opens the store the way every command but serve does:
// straight to Neo4j, with only the Neo4j section of the configuration,
// and gives the context it acts in, ending after timeout. close releases
// both.
func openStore(ctx context.Context, env config.Env, timeout time.Duration) (st *store.Neo4j, cctx context.Context, close func(), err error) {
	cfg, err := config.LoadNeo4j(env)
	if err != nil {
		return nil, nil, nil, err
	}
	if st, err = store.Open(cfg, nil); err != nil {
		return nil, nil, nil, err
	}
	cctx, cancel := context.WithTimeout(operatorContext(ctx), timeout)
	return st, cctx, func() { cancel(); _ = st.Close(context.Background()) }, nil
}

// operatorContext is the context the command line acts in: an admin
// caller named after the machine's user, for the audit log, with a log
// of its confidential reads. Whoever can run the CLI on the server's
// machine can read Neo4j's credentials there anyway.
func operatorContext(ctx context.Context) context.Context {
	name := "operator"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	c := domain.Operator("cli:" + name)
	c.Reads = &domain.ReadLog{}
	return domain.WithCaller(ctx, c)
}
