//! Records the Partner API and the citizen flow store: curation, listings and prices, catalog
//! positions, idempotent answers, applications' statuses, feedback, webhooks, sign-ins.

/// A partner's choice for one service in its list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurationRecord {
    pub service_code: String,
    pub position: Option<i64>,
    pub hidden: bool,
    pub custom_title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingRecord {
    pub id: String,
    pub partner_id: String,
    pub mode: String,
    pub service_code: String,
    pub title: String,
    pub description: String,
    pub deadline_days: Option<i64>,
    pub partner_reference: Option<String>,
    pub created_at: i64,
}

/// A fee over `[effective_from, effective_to]` (inclusive dates, open-ended when `to` is absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricePeriod {
    pub effective_from: String,
    pub effective_to: Option<String>,
    pub amount_kopecks: i64,
    pub currency: String,
    pub conditions: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogPosition {
    pub position_id: String,
    pub service_code: String,
    pub title: Option<String>,
}

/// What a catalog sync changed, by position id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncOutcome {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub removed: Vec<String>,
}

/// A stored answer to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// First use: go ahead, then complete or release the key.
    Claimed,
    /// Same key, same request, answered before.
    Replay(StoredAnswer),
    /// Same key, another request.
    Conflict,
    /// Same key, same request, still running.
    InProgress,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRecord {
    pub id: String,
    pub partner_id: String,
    pub mode: String,
    pub service_code: String,
    pub status_code: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackRecord {
    pub id: String,
    pub application_id: String,
    pub partner_id: String,
    pub rating: i32,
    pub comment: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpointRecord {
    pub id: String,
    pub partner_id: String,
    pub mode: String,
    pub url: String,
    /// Space-separated event types.
    pub event_types: String,
    pub sealed_secret: String,
    pub sealed_previous_secret: Option<String>,
    pub previous_secret_until: Option<i64>,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDeliveryRecord {
    pub id: String,
    pub endpoint_id: String,
    pub event_type: String,
    pub payload: String,
    /// `pending`, `delivered`, `failed` (gave up) or `gone` (the endpoint answered 410).
    pub state: String,
    pub attempts: i64,
    pub created_at: i64,
    pub next_attempt_at: Option<i64>,
    pub finished_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttemptRecord {
    pub delivery_id: String,
    pub attempt: i64,
    pub at: i64,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    /// `delivered`, `failed` or `gone`.
    pub outcome: String,
    pub error: Option<String>,
}

/// A sign-in in progress, found again by its OAuth `state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigninAttempt {
    pub state: String,
    pub partner_id: String,
    pub publishable_key: String,
    pub mode: String,
    /// The embedding page's origin, already checked against the partner's list.
    pub origin: String,
    pub scope: String,
    pub sealed_verifier: String,
    pub expires_at: i64,
}

/// A finished sign-in waiting for the widget frame to collect it with its one-time code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigninHandoff {
    pub code_hash: String,
    pub partner_id: String,
    pub publishable_key: String,
    pub sealed_payload: String,
    pub expires_at: i64,
}

/// A consent as recorded: what was shown (version and hash of the text), by whom, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub id: String,
    pub partner_id: String,
    pub citizen_id: String,
    pub service_code: String,
    pub version: String,
    pub text_sha256: String,
    pub granted_at: i64,
}
