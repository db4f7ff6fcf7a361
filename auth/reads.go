package auth

import (
	"context"

	"github.com/actorgraph/actorgraph/domain"
)

// ReadRecorder records confidential reads in the audit log (the store).
type ReadRecorder interface {
	RecordReads(ctx context.Context, ws, operation string, ids []string) error
}

// FlushReads writes one audit record per workspace for the confidential
// records the request's caller read so far (its read log), named after
// operation, and empties the log. Callers hold back what they read until
// it returns nil: an unaudited read of confidential records must not
// happen.
func FlushReads(ctx context.Context, st ReadRecorder, operation string) error {
	c := domain.CallerFrom(ctx)
	if c == nil {
		return nil
	}
	// The audit write must happen even if the client has gone.
	ctx = context.WithoutCancel(ctx)
	for ws, ids := range c.Reads.Take() {
		if err := st.RecordReads(ctx, ws, operation, ids); err != nil {
			return err
		}
	}
	return nil
}
