package main

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/client-go/rest"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/publish"
	"github.com/fleetguard/fleetguard/reports"
)

// applyReports writes each cluster's report objects into that cluster.
func applyReports(ctx context.Context, api string, configs map[string]*rest.Config, r *engine.Result) error {
	w := reports.OpenReports{APIVersion: reports.OpenReportsAPI}
	if api == "policyreport" {
		w.APIVersion = reports.PolicyReportAPI
	}
	byCluster := map[string][]map[string]any{}
	for _, o := range w.Objects(r) {
		byCluster[o.Cluster] = append(byCluster[o.Cluster], o.Object)
	}
	var errs []error
	for cluster, objs := range byCluster {
		cfg, ok := configs[cluster]
		if !ok {
			continue // fleet-wide findings belong to no one cluster
		}
		if err := publish.Apply(ctx, cluster, cfg, objs); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("--apply-reports: %w", err)
	}
	return nil
}
