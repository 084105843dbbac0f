-- Partners' secret keys for signed Partner API requests, sealed (see server/src/sealing.rs):
-- the server needs the secret to verify HMAC signatures, so it is encrypted, never hashed.
CREATE TABLE secret_keys (
    key_id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    algorithm TEXT NOT NULL CHECK (algorithm IN ('hmac-sha256', 'ed25519')),
    sealed_secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE INDEX secret_keys_partner ON secret_keys (partner_id);
