-- The audit history. One row in audits per stored audit; every other table
-- hangs off it and keeps the order of the Result's slices in pos.
-- Tokens: {{id}} is an auto-incrementing primary key, {{time}} a timestamp.
-- JSON values are stored as TEXT, the same on SQLite and PostgreSQL.

CREATE TABLE audits (
    id {{id}},
    started_at {{time}} NOT NULL,
    finished_at {{time}} NOT NULL,
    engine_version TEXT NOT NULL DEFAULT '',
    bundle_digest TEXT NOT NULL DEFAULT '',
    bundle_revision TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    snapshot_digests TEXT,
    policies TEXT,
    stats TEXT,
    errors TEXT
);

CREATE INDEX audits_started ON audits (started_at, id);

CREATE TABLE audit_clusters (
    audit_id BIGINT NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    pos INTEGER NOT NULL,
    name TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    errors TEXT,
    missing_kinds TEXT,
    server_version TEXT NOT NULL DEFAULT '',
    snapshot_digest TEXT NOT NULL DEFAULT '',
    labels TEXT,
    objects INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (audit_id, pos)
);

CREATE INDEX audit_clusters_name ON audit_clusters (name, audit_id);

CREATE TABLE findings (
    audit_id BIGINT NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    pos INTEGER NOT NULL,
    cluster TEXT NOT NULL DEFAULT '',
    policy_id TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    severity TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    enforcement TEXT NOT NULL DEFAULT '',
    api_version TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT '',
    namespace TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    fingerprint TEXT NOT NULL,
    controls TEXT,
    details TEXT,
    source_file TEXT NOT NULL DEFAULT '',
    source_line INTEGER NOT NULL DEFAULT 0,
    excepted TEXT,
    PRIMARY KEY (audit_id, pos)
);

CREATE INDEX findings_fingerprint ON findings (audit_id, fingerprint);

CREATE TABLE scores (
    audit_id BIGINT NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    pos INTEGER NOT NULL,
    framework TEXT NOT NULL,
    cluster TEXT NOT NULL DEFAULT '',
    passed INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    manual INTEGER NOT NULL DEFAULT 0,
    not_applicable INTEGER NOT NULL DEFAULT 0,
    percent DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (audit_id, pos)
);

CREATE INDEX scores_framework ON scores (framework, audit_id);

CREATE TABLE controls (
    audit_id BIGINT NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    pos INTEGER NOT NULL,
    framework TEXT NOT NULL,
    control TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    cluster TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    policies TEXT,
    passed INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (audit_id, pos)
);

CREATE TABLE exceptions (
    audit_id BIGINT NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    pos INTEGER NOT NULL,
    policy TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    ticket TEXT NOT NULL DEFAULT '',
    approver TEXT NOT NULL DEFAULT '',
    expires TEXT NOT NULL DEFAULT '',
    expired INTEGER NOT NULL DEFAULT 0,
    matched INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (audit_id, pos)
);
