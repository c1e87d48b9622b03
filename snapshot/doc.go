// Package snapshot defines the cluster snapshot, the contract between the
// fetchers and the engine, and the views derived from it.
//
// A Snapshot is a versioned JSON document (apiVersion fleetguard.dev/v1alpha1,
// kind ClusterSnapshot) validated against the embedded JSON Schema on Load.
// Objects are kept as plain decoded maps grouped by Kind, so policies read
// them exactly as they read manifests. See README.md for the format, field by
// field.
//
// Sanitize removes what must never be stored (Secret values, literal env
// values, the last-applied-configuration annotation, managedFields); the
// fetchers call it on every object and Load refuses a document that is not
// sanitised.
//
// Derive computes, once and in pure Go, the views the cluster policies read:
// effective RBAC per subject, NetworkPolicy coverage, Secret references and
// versions. It takes a list of objects, so it serves snapshots and manifests
// alike.
package snapshot
