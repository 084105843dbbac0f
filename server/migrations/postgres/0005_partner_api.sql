-- What the Partner API keeps. Every *_at column is unix milliseconds; dates are 'YYYY-MM-DD'.

-- A partner's own order, visibility and titles for the services it may show.
CREATE TABLE service_curation (
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    service_code TEXT NOT NULL,
    position BIGINT,
    hidden BOOLEAN NOT NULL DEFAULT FALSE,
    custom_title TEXT,
    PRIMARY KEY (partner_id, service_code)
);

-- Listings a partner publishes on its platform for a service (POST /services/create).
CREATE TABLE listings (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    service_code TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    deadline_days BIGINT,
    partner_reference TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX listings_reference ON listings (partner_id, mode, partner_reference);

-- Fees and conditions of a listing over effective periods (POST /pricing/update).
CREATE TABLE listing_prices (
    listing_id TEXT NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    effective_from TEXT NOT NULL,
    effective_to TEXT,
    amount_kopecks BIGINT NOT NULL CHECK (amount_kopecks >= 0),
    currency TEXT NOT NULL,
    conditions TEXT NOT NULL,
    PRIMARY KEY (listing_id, effective_from)
);

-- The partner's product positions mapped to services (POST /catalog/sync).
CREATE TABLE catalog_positions (
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    position_id TEXT NOT NULL,
    service_code TEXT NOT NULL,
    title TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (partner_id, mode, position_id)
);

-- Stored answers of POSTs by Idempotency-Key, kept 24 h.
CREATE TABLE idempotency_keys (
    partner_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (partner_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Applications filed through a partner, as the Partner API sees them: ids and statuses only.
CREATE TABLE applications (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    service_code TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX applications_partner_updated ON applications (partner_id, updated_at, id);

-- Citizens' ratings and comments on completed applications.
CREATE TABLE feedback (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL UNIQUE REFERENCES applications (id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX feedback_partner_created ON feedback (partner_id, created_at, id);

-- Webhook endpoints; secrets sealed. During rotation the previous secret also signs until
-- previous_secret_until.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    url TEXT NOT NULL,
    event_types TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    sealed_previous_secret TEXT,
    previous_secret_until BIGINT,
    disabled_at BIGINT,
    disabled_reason TEXT,
    created_at BIGINT NOT NULL
);

-- The webhook outbox: one row per (event, endpoint), retried until delivered, gone or 3 days.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'gone')),
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT,
    finished_at BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);

CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt BIGINT NOT NULL,
    at BIGINT NOT NULL,
    status_code BIGINT,
    latency_ms BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    error TEXT,
    PRIMARY KEY (delivery_id, attempt)
);
