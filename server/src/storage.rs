//! Storage behind one trait, with SQLite (embedded default) and PostgreSQL implementations.

#[macro_use]
mod webhook_sql;
mod applications;
mod partner_api;
mod sql;
mod sql_applications;
mod sql_partner_api;

use std::{path::Path, str::FromStr, sync::Arc};

use app::partner::Mode;

use crate::audit::{AuditDraft, AuditRecord};
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions},
};

pub use sql::SqlStorage;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("cannot create the data directory: {0}")]
    DataDir(#[from] std::io::Error),
    /// A row that a constraint guarantees is not there (e.g. a key without its partner).
    #[error("stored data is inconsistent: {0}")]
    Inconsistent(String),
}

impl StorageError {
    /// Whether a uniqueness constraint refused the write (the caller names the conflict).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StorageError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

/// A partner about to be stored, with its origins and publishable keys.
#[derive(Debug, Clone)]
pub struct NewPartner {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub origins: Vec<String>,
    pub keys: Vec<NewPublishableKey>,
    pub secret_keys: Vec<SecretKeyRecord>,
}

#[derive(Debug, Clone)]
pub struct NewPublishableKey {
    pub key: String,
    pub mode: Mode,
}

/// A secret key as stored: its public id and the sealed secret, never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretKeyRecord {
    pub key_id: String,
    pub partner_id: String,
    pub mode: Mode,
    /// `hmac-sha256` or `ed25519`, pinned per key.
    pub algorithm: String,
    pub sealed_secret: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// Set when a newer key replaced this one: it keeps verifying until then (the overlap).
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PartnerRecord {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub origins: Vec<String>,
    pub keys: Vec<PublishableKeyRecord>,
    /// Networks (CIDR) the Partner API accepts this partner's calls from; empty means anywhere.
    pub networks: Vec<String>,
}

/// One of okno's token-signing keys, its secret sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub sealed_secret: String,
    pub created_at: i64,
    pub not_before: i64,
    pub retired_at: Option<i64>,
}

/// A refresh token as stored: its hash, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    pub token_hash: String,
    pub family_id: String,
    pub partner_id: String,
    pub subject: String,
    /// The access token's claims this refresh token renews, as JSON.
    pub claims: String,
    pub issued_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// What presenting a refresh token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// It was current: it is now used and `next` replaces it. Carries the presented record.
    Rotated(RefreshTokenRecord),
    /// It had been used before: the whole family is now revoked.
    Reused,
    Unknown,
    Expired,
    Revoked,
}

/// An alert an anomaly rule raised.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AlertRecord {
    pub id: i64,
    pub raised_at: i64,
    pub rule: String,
    pub subject: String,
    pub blocked_until: i64,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublishableKeyRecord {
    pub key: String,
    pub mode: Mode,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A webhook event ready to queue: the payload as delivered (`{"type", "timestamp", "data"}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    pub partner_id: String,
    pub mode: String,
    pub event_type: String,
    pub payload: String,
    pub at: i64,
}

/// Everything okno keeps. Each method is one transaction.
#[async_trait::async_trait]
pub trait Storage: ApplicationStore {
    /// Answers when the database does (for `/readyz`).
    async fn ping(&self) -> Result<(), StorageError>;
    /// Stores a partner with its origins and keys, all or nothing.
    async fn create_partner(&self, partner: &NewPartner) -> Result<(), StorageError>;
    /// All partners, oldest first.
    async fn list_partners(&self) -> Result<Vec<PartnerRecord>, StorageError>;
    /// The partner owning a publishable key, and that key (revoked or not).
    async fn find_by_publishable_key(
        &self,
        key: &str,
    ) -> Result<Option<(PartnerRecord, PublishableKeyRecord)>, StorageError>;
    /// A secret key by its public id.
    async fn find_secret_key(&self, key_id: &str) -> Result<Option<SecretKeyRecord>, StorageError>;
    /// Marks a key revoked at `at`; false if there was no such unrevoked key.
    async fn revoke_publishable_key(&self, key: &str, at: i64) -> Result<bool, StorageError>;
    /// Links drafts onto the end of the audit chain and stores them in one transaction that
    /// excludes other appenders (other okno processes included).
    async fn append_audit(&self, drafts: &[AuditDraft]) -> Result<Vec<AuditRecord>, StorageError>;
    /// Up to `limit` audit records after `after_seq`, in order.
    async fn audit_page(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StorageError>;

    /// One partner by id, with its origins, keys and networks.
    async fn find_partner(&self, id: &str) -> Result<Option<PartnerRecord>, StorageError>;
    /// Replaces a partner's Partner API networks; false if there is no such partner.
    async fn set_partner_networks(
        &self,
        partner_id: &str,
        cidrs: &[String],
    ) -> Result<bool, StorageError>;
    /// A partner's secret and public keys, oldest first.
    async fn list_secret_keys(
        &self,
        partner_id: &str,
    ) -> Result<Vec<SecretKeyRecord>, StorageError>;
    /// Adds `key` and makes the partner's other live keys of its mode expire at `overlap_until`
    /// (when given), in one transaction: rotation.
    async fn add_secret_key(
        &self,
        key: &SecretKeyRecord,
        overlap_until: Option<i64>,
    ) -> Result<(), StorageError>;
    /// Revokes a secret or public key at once; false if there was no such unrevoked key.
    async fn revoke_secret_key(&self, key_id: &str, at: i64) -> Result<bool, StorageError>;
    /// Remembers a signed request's nonce until `expires_at`; false if it was already seen.
    async fn remember_nonce(
        &self,
        key_id: &str,
        nonce: &str,
        expires_at: i64,
    ) -> Result<bool, StorageError>;
    /// All token-signing keys, oldest first.
    async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StorageError>;
    /// Adds a signing key and retires the older unretired ones at `retire_others_at`.
    async fn add_signing_key(
        &self,
        key: &SigningKeyRecord,
        retire_others_at: Option<i64>,
    ) -> Result<(), StorageError>;
    async fn store_refresh_token(&self, token: &RefreshTokenRecord) -> Result<(), StorageError>;
    /// Presents a refresh token: rotates it to `next` if current, revokes its family if reused.
    async fn use_refresh_token(
        &self,
        token_hash: &str,
        next: &RefreshTokenRecord,
        now: i64,
    ) -> Result<RefreshOutcome, StorageError>;
    async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<RefreshTokenRecord>, StorageError>;
    /// Revokes the family of a refresh token; false if the token is unknown.
    async fn revoke_refresh_family(&self, token_hash: &str, at: i64) -> Result<bool, StorageError>;
    /// Revokes a signed token by jti until it would have expired anyway.
    async fn revoke_token_id(&self, jti: &str, expires_at: i64) -> Result<(), StorageError>;
    async fn is_token_id_revoked(&self, jti: &str) -> Result<bool, StorageError>;
    async fn raise_alert(
        &self,
        raised_at: i64,
        rule: &str,
        subject: &str,
        blocked_until: i64,
        detail: &str,
    ) -> Result<(), StorageError>;
    /// Alerts raised at or after `since`, newest first.
    async fn alerts(&self, since: i64) -> Result<Vec<AlertRecord>, StorageError>;
    /// Forgets nonces, revocations, refresh tokens and idempotency keys past their expiry.
    async fn purge_expired(&self, now: i64) -> Result<(), StorageError>;

    // ---- Partner API ----

    async fn curation(&self, partner_id: &str) -> Result<Vec<CurationRecord>, StorageError>;
    /// Stores a listing; a partner reference already used in that mode is a unique violation.
    async fn create_listing(&self, listing: &ListingRecord) -> Result<(), StorageError>;
    /// The partner's listings among `ids` (others' and unknown ids are simply absent).
    async fn listings(
        &self,
        partner_id: &str,
        mode: &str,
        ids: &[String],
    ) -> Result<Vec<ListingRecord>, StorageError>;
    /// Replaces the price periods of each listing given, all in one transaction.
    async fn replace_prices(
        &self,
        prices: &[(String, Vec<PricePeriod>)],
    ) -> Result<(), StorageError>;
    async fn prices(&self, listing_id: &str) -> Result<Vec<PricePeriod>, StorageError>;
    /// Makes the partner's positions exactly `positions` (by position id), in one transaction.
    async fn sync_catalog(
        &self,
        partner_id: &str,
        mode: &str,
        positions: &[CatalogPosition],
        now: i64,
    ) -> Result<SyncOutcome, StorageError>;
    /// Claims an idempotency key for a request with `request_hash`.
    async fn claim_idempotency_key(
        &self,
        partner_id: &str,
        key: &str,
        request_hash: &str,
        now: i64,
    ) -> Result<IdempotencyClaim, StorageError>;
    /// Stores the answer of a claimed key (status 0 meant "in progress").
    async fn complete_idempotency_key(
        &self,
        partner_id: &str,
        key: &str,
        answer: &StoredAnswer,
    ) -> Result<(), StorageError>;
    /// Lets a claimed key be used again (the request failed inside okno).
    async fn release_idempotency_key(
        &self,
        partner_id: &str,
        key: &str,
    ) -> Result<(), StorageError>;
    async fn create_application(&self, application: &ApplicationRecord)
    -> Result<(), StorageError>;
    async fn applications_by_id(
        &self,
        partner_id: &str,
        mode: &str,
        ids: &[String],
    ) -> Result<Vec<ApplicationRecord>, StorageError>;
    /// Applications changed after the cursor `(updated_at, id)`, oldest change first.
    async fn applications_updated_after(
        &self,
        partner_id: &str,
        mode: &str,
        after: (i64, &str),
        limit: i64,
    ) -> Result<Vec<ApplicationRecord>, StorageError>;
    /// Sets an application's status; the record before the change, if it exists.
    async fn set_application_status(
        &self,
        partner_id: &str,
        mode: &str,
        id: &str,
        status_code: i32,
        now: i64,
    ) -> Result<Option<ApplicationRecord>, StorageError>;
    /// Stores a citizen's feedback with the partner's webhooks about it (if any), all or nothing.
    async fn add_feedback(
        &self,
        feedback: &FeedbackRecord,
        events: &[WebhookEvent],
    ) -> Result<(), StorageError>;
    /// Feedback after the cursor `(created_at, id)`, oldest first, on the partner's applications
    /// of `mode`.
    async fn feedback_page(
        &self,
        partner_id: &str,
        mode: &str,
        after: (i64, &str),
        limit: i64,
    ) -> Result<Vec<FeedbackRecord>, StorageError>;
    async fn create_webhook_endpoint(
        &self,
        endpoint: &WebhookEndpointRecord,
    ) -> Result<(), StorageError>;
    async fn webhook_endpoints(
        &self,
        partner_id: &str,
    ) -> Result<Vec<WebhookEndpointRecord>, StorageError>;
    async fn webhook_endpoint(
        &self,
        id: &str,
    ) -> Result<Option<WebhookEndpointRecord>, StorageError>;
    /// Replaces an endpoint's secret, the old one still signing until `previous_until`.
    async fn rotate_webhook_secret(
        &self,
        id: &str,
        sealed_secret: &str,
        sealed_previous: &str,
        previous_until: i64,
    ) -> Result<bool, StorageError>;
    async fn disable_webhook_endpoint(
        &self,
        id: &str,
        reason: &str,
        at: i64,
    ) -> Result<(), StorageError>;
    /// Queues an event for every enabled endpoint of the partner and mode subscribed to it;
    /// returns the delivery ids.
    async fn enqueue_webhook_event(
        &self,
        event: &WebhookEvent,
    ) -> Result<Vec<String>, StorageError>;
    /// Pending deliveries due at `now`, oldest first.
    async fn due_webhook_deliveries(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<WebhookDeliveryRecord>, StorageError>;
    /// Records an attempt and the delivery's new state (next attempt when still pending).
    async fn record_webhook_attempt(
        &self,
        attempt: &WebhookAttemptRecord,
        state: &str,
        next_attempt_at: Option<i64>,
    ) -> Result<(), StorageError>;
    /// An endpoint's deliveries, newest first, each with its attempts.
    async fn webhook_deliveries(
        &self,
        endpoint_id: &str,
        limit: i64,
    ) -> Result<Vec<(WebhookDeliveryRecord, Vec<WebhookAttemptRecord>)>, StorageError>;
    /// Queues an endpoint's delivery again for an immediate attempt; false if it has no such one.
    async fn redeliver_webhook(
        &self,
        endpoint_id: &str,
        delivery_id: &str,
        now: i64,
    ) -> Result<bool, StorageError>;

    // ---- Citizens' sign-in ----

    async fn store_signin_attempt(&self, attempt: &SigninAttempt) -> Result<(), StorageError>;
    /// Removes and returns an unexpired attempt: a `state` works once.
    async fn take_signin_attempt(
        &self,
        state: &str,
        now: i64,
    ) -> Result<Option<SigninAttempt>, StorageError>;
    async fn store_signin_handoff(&self, handoff: &SigninHandoff) -> Result<(), StorageError>;
    /// Removes and returns an unexpired handoff: a one-time code works once.
    async fn take_signin_handoff(
        &self,
        code_hash: &str,
        now: i64,
    ) -> Result<Option<SigninHandoff>, StorageError>;
    async fn record_consent(&self, consent: &ConsentRecord) -> Result<(), StorageError>;
}

pub type SharedStorage = Arc<dyn Storage>;

pub use applications::*;
pub use partner_api::*;

/// Connects to `url` and runs its migrations; any failure stops start-up.
pub async fn connect(url: &str) -> Result<SharedStorage, StorageError> {
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true);
        if let Some(parent) = Path::new(options.get_filename()).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Arc::new(SqlStorage::new(pool)))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        connect_postgres(PgConnectOptions::from_str(url)?).await
    } else {
        Err(StorageError::UnsupportedUrl)
    }
}

/// Connects to PostgreSQL with explicit options (tests use this to pick a fresh schema).
pub async fn connect_postgres(options: PgConnectOptions) -> Result<SharedStorage, StorageError> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .connect_with(options)
        .await?;
    sqlx::migrate!("./migrations/postgres").run(&pool).await?;
    Ok(Arc::new(SqlStorage::new(pool)))
}

/// A stored `mode` column; anything but `test` or `live` is inconsistent data, never a default.
pub fn parse_mode(stored: &str) -> Result<Mode, StorageError> {
    match stored {
        "test" => Ok(Mode::Test),
        "live" => Ok(Mode::Live),
        other => Err(StorageError::Inconsistent(format!(
            "unknown key mode {other:?}"
        ))),
    }
}

#[cfg(test)]
pub mod tests {
    //! The same storage tests on SQLite always and on PostgreSQL when it is reachable.

    use super::*;

    /// A PostgreSQL storage in a fresh schema, or `None` when no server answers. With
    /// `TEST_REQUIRE_POSTGRES=1` (CI) an unreachable server fails the test instead.
    pub async fn postgres() -> Option<SharedStorage> {
        postgres_with_options().await.map(|(storage, _)| storage)
    }

    /// Like [`postgres`], with the options that reach the same schema directly.
    pub async fn postgres_with_options() -> Option<(SharedStorage, PgConnectOptions)> {
        let url = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let required = std::env::var("TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
        let base = PgConnectOptions::from_str(&url).expect("TEST_POSTGRES_URL");
        let schema = format!("okno_test_{}", rand::random::<u64>());
        let admin = match sqlx::PgPool::connect_with(base.clone()).await {
            Ok(pool) => pool,
            Err(error) if !required => {
                eprintln!("PostgreSQL not reachable ({error}); skipping its half of the test");
                return None;
            }
            Err(error) => panic!("PostgreSQL required but not reachable: {error}"),
        };
        // The schema name is built from a random number only.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .expect("create schema");
        let options = base.options([("search_path", schema.as_str())]);
        Some((
            connect_postgres(options.clone()).await.expect("migrate"),
            options,
        ))
    }

    pub async fn sqlite() -> (SharedStorage, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("okno.db").display());
        (connect(&url).await.expect("sqlite"), dir)
    }

    fn partner(id: &str, key: &str) -> NewPartner {
        NewPartner {
            id: id.to_owned(),
            name: format!("Partner {id}"),
            created_at: 1_700_000_000_000,
            origins: vec!["https://a.example".into(), "https://b.example:8443".into()],
            secret_keys: Vec::new(),
            keys: vec![
                NewPublishableKey {
                    key: format!("pk_test_{key}"),
                    mode: Mode::Test,
                },
                NewPublishableKey {
                    key: format!("pk_live_{key}"),
                    mode: Mode::Live,
                },
            ],
        }
    }

    async fn partners_round_trip(storage: SharedStorage) {
        storage.ping().await.expect("ping");
        storage
            .create_partner(&partner("prt_1", "one"))
            .await
            .expect("create");
        storage
            .create_partner(&partner("prt_2", "two"))
            .await
            .expect("create");

        let all = storage.list_partners().await.expect("list");
        assert_eq!(
            all.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            ["prt_1", "prt_2"]
        );
        assert_eq!(
            all[0].origins,
            ["https://a.example", "https://b.example:8443"]
        );
        assert_eq!(all[0].keys.len(), 2);

        let (found, key) = storage
            .find_by_publishable_key("pk_live_two")
            .await
            .expect("find")
            .expect("present");
        assert_eq!(
            (found.id.as_str(), key.mode, key.revoked_at),
            ("prt_2", Mode::Live, None)
        );
        assert!(
            storage
                .find_by_publishable_key("pk_test_nobody")
                .await
                .expect("find")
                .is_none()
        );

        assert!(
            storage
                .revoke_publishable_key("pk_test_one", 42)
                .await
                .expect("revoke")
        );
        assert!(
            !storage
                .revoke_publishable_key("pk_test_one", 43)
                .await
                .expect("again")
        );
        let (_, key) = storage
            .find_by_publishable_key("pk_test_one")
            .await
            .expect("f")
            .expect("p");
        assert_eq!(key.revoked_at, Some(42));
    }

    async fn a_failed_create_leaves_nothing_behind(storage: SharedStorage) {
        storage
            .create_partner(&partner("prt_1", "one"))
            .await
            .expect("create");
        // Same key, new partner id: the key insert fails after the partner row went in.
        let clash = partner("prt_9", "one");
        assert!(storage.create_partner(&clash).await.is_err());
        let all = storage.list_partners().await.expect("list");
        assert_eq!(all.len(), 1, "the half-written partner must be rolled back");
    }

    #[tokio::test]
    async fn sqlite_partners_round_trip() {
        let (storage, _dir) = sqlite().await;
        partners_round_trip(storage).await;
    }

    #[tokio::test]
    async fn sqlite_failed_create_is_rolled_back() {
        let (storage, _dir) = sqlite().await;
        a_failed_create_leaves_nothing_behind(storage).await;
    }

    #[tokio::test]
    async fn postgres_partners_round_trip() {
        if let Some(storage) = postgres().await {
            partners_round_trip(storage).await;
        }
    }

    #[tokio::test]
    async fn postgres_failed_create_is_rolled_back() {
        if let Some(storage) = postgres().await {
            a_failed_create_leaves_nothing_behind(storage).await;
        }
    }

    #[tokio::test]
    async fn an_unknown_url_scheme_is_refused() {
        assert!(matches!(
            connect("mysql://x").await,
            Err(StorageError::UnsupportedUrl)
        ));
    }
}
