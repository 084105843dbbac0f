-- Citizens' Gosuslugi sign-ins for the widget. Every *_at column is unix milliseconds.

-- Sign-ins in progress, by the OAuth `state`: single use, short-lived. The PKCE verifier is sealed.
CREATE TABLE signin_attempts (
    state TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL,
    publishable_key TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    origin TEXT NOT NULL,
    scope TEXT NOT NULL,
    sealed_verifier TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Finished sign-ins waiting for the widget frame, by the SHA-256 of a one-time code. The
-- profile and the ESIA tokens are personal data: sealed.
CREATE TABLE signin_handoffs (
    code_hash TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL,
    publishable_key TEXT NOT NULL,
    sealed_payload TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
