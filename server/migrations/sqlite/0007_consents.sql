-- Citizens' consents (152-FZ art. 9): who (the per-partner pseudonym), to which partner, for
-- which service, which version of the text and its SHA-256, when; withdrawn_at once withdrawn.
-- Unix milliseconds.
CREATE TABLE consents (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL,
    citizen_id TEXT NOT NULL,
    service_code TEXT NOT NULL,
    version TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    withdrawn_at BIGINT
);
CREATE INDEX consents_citizen ON consents (partner_id, citizen_id);
