package resolvers

import (
	"context"

	"github.com/actorgraph/actorgraph/analysis"
	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/graph/model"
)

// visibleJob is job id when the caller may see it: the same view of its
// workspace as its starter (analysis.Jobs.Get) and the ANALYST role there.
// Anything else is NOT_FOUND, as for an id that never was.
func (r *Resolver) visibleJob(ctx context.Context, id string) (*analysis.Job, error) {
	j, err := r.Jobs.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Require(ctx, "analysisJob", j.WorkspaceID(), domain.Analyst); err != nil {
		return nil, analysis.JobNotFound(id)
	}
	return j, nil
}

// jobErrorView is a failed job's error as a client may see it (an
// internal error's detail stays in the log).
func jobErrorView(err error) *model.AnalysisJobError {
	msg, _ := errs.Public(err)
	return &model.AnalysisJobError{Code: errs.KindOf(err).Code(), Message: msg}
}
