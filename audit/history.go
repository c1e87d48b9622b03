package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/fleetguard/fleetguard/reports"
	"github.com/fleetguard/fleetguard/store"
)

// trendLength is how many past audits the reports' trend shows.
const trendLength = 30

// History gathers what the reports show beside one stored audit: findings
// new and resolved since the audit before it, and the trend of every
// framework's scores (fleet and per cluster) over the last audits.
func History(ctx context.Context, st *store.Store, id int64) (*reports.History, error) {
	h := &reports.History{}
	prev, err := st.Previous(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("history: %w", err)
	default:
		d, err := st.Diff(ctx, prev, id)
		if err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		h.New, h.Resolved = d.New, d.Resolved
		p, err := st.Audit(ctx, prev)
		if err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		h.PreviousAuditTime = p.Started
	}
	fws, err := st.Frameworks(ctx)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	for _, fw := range fws {
		points, err := st.Trend(ctx, fw, trendLength)
		if err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		for _, p := range points {
			h.Trend = append(h.Trend, reports.TrendPoint{Time: p.Time, Framework: fw, Percent: p.Fleet.Percent})
			for _, c := range p.Clusters {
				h.Trend = append(h.Trend, reports.TrendPoint{Time: p.Time, Framework: fw, Cluster: c.Cluster, Percent: c.Percent})
			}
		}
	}
	return h, nil
}
