-- What the gateway's checks remember. Every *_at / *_until column is unix milliseconds.

-- Rotation: a key replaced by a newer one keeps verifying until expires_at (the overlap).
-- For ed25519 keys sealed_secret holds the partner's public key, sealed like a secret so a
-- row edited in the database cannot swap in someone else's key.
ALTER TABLE secret_keys ADD COLUMN expires_at BIGINT;

-- When a partner lists networks (CIDR), Partner API calls from anywhere else are refused.
CREATE TABLE partner_networks (
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    cidr TEXT NOT NULL,
    PRIMARY KEY (partner_id, cidr)
);

-- (keyid, nonce) of accepted signed requests, kept until expires_at to refuse replays.
CREATE TABLE seen_nonces (
    key_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (key_id, nonce)
);
CREATE INDEX seen_nonces_expiry ON seen_nonces (expires_at);

-- okno's Ed25519 token-signing keys, sealed: published from created_at, signing from not_before,
-- no longer accepted after retired_at.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    sealed_secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    not_before BIGINT NOT NULL,
    retired_at BIGINT
);

-- Refresh tokens by SHA-256 hash only. One family per sign-in; presenting a used token again
-- revokes the whole family.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    family_id TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    claims TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

-- Signed tokens revoked before they expire, by jti, kept until they would have expired.
CREATE TABLE revoked_tokens (
    jti TEXT PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Alerts the anomaly rules raise, for the operator.
CREATE TABLE security_alerts (
    id BIGSERIAL PRIMARY KEY,
    raised_at BIGINT NOT NULL,
    rule TEXT NOT NULL,
    subject TEXT NOT NULL,
    blocked_until BIGINT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX security_alerts_raised ON security_alerts (raised_at);
