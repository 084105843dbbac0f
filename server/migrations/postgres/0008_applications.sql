-- The citizen flow: what okno keeps to file and track applications. Every *_at column is unix
-- milliseconds. Personal data is only ever stored sealed (AES-256-GCM, "key-id:…", the row's id
-- bound in): profiles, portal tokens, drafts, answers, attachment names and contents.

-- A citizen signed in through a partner's widget (per-partner pseudonym): their ESIA profile
-- for prefilling, and the ESIA tokens okno files and tracks their applications with (the
-- access token renewed with the refresh token when it runs out).
CREATE TABLE citizen_links (
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    citizen_id TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    sealed_profile TEXT NOT NULL,
    sealed_portal_token TEXT NOT NULL,
    sealed_portal_refresh_token TEXT NOT NULL,
    portal_token_expires_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (partner_id, citizen_id)
);

-- A form being filled: one per citizen and service; application_id is the id the application
-- will get, so a repeated submit finds it (idempotency by application id).
CREATE TABLE drafts (
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    citizen_id TEXT NOT NULL,
    service_code TEXT NOT NULL,
    application_id TEXT NOT NULL UNIQUE,
    sealed_values TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (partner_id, citizen_id, service_code)
);

-- Files attached to a draft (then to its application).
CREATE TABLE attachments (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    citizen_id TEXT NOT NULL,
    sealed_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sealed_content TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_application ON attachments (application_id, created_at);

-- A submitted application's content and its way to the portal (the forwarding outbox):
-- 'pending' until the portal has it, then 'tracking' until a final status, then 'closed';
-- 'refused' when the portal would not take it. next_attempt_at: the next forward or poll.
CREATE TABLE submissions (
    application_id TEXT PRIMARY KEY NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    citizen_id TEXT NOT NULL,
    consent_id TEXT NOT NULL,
    region TEXT NOT NULL,
    sealed_form TEXT NOT NULL,
    order_id BIGINT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'tracking', 'closed', 'refused')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    last_error TEXT
);
CREATE INDEX submissions_due ON submissions (state, next_attempt_at);
CREATE INDEX submissions_citizen ON submissions (citizen_id);

-- Every status an application went through, in order: seq 1 is okno's acceptance (status 0),
-- then the portal's, each once (portal_entry_id is the portal's history entry id); the
-- portal's comment, if any, sealed.
CREATE TABLE application_statuses (
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    status_code INTEGER NOT NULL,
    portal_entry_id BIGINT,
    comment TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL,
    PRIMARY KEY (application_id, seq)
);
