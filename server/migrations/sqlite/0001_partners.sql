-- Partners, the origins allowed to embed their widget, and their publishable keys.
CREATE TABLE partners (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE partner_origins (
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    origin TEXT NOT NULL,
    PRIMARY KEY (partner_id, origin)
);

CREATE TABLE publishable_keys (
    key TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE INDEX publishable_keys_partner ON publishable_keys (partner_id);
