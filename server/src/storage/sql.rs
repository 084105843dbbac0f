//! The SQL both backends share: one generic struct, implemented for SQLite and PostgreSQL by a macro
//! because sqlx's executor bounds make a single generic impl unreadable.

use std::collections::HashMap;

use sqlx::{Pool, Postgres, Sqlite};

use super::{
    AlertRecord, ApplicationRecord, CatalogPosition, ConsentRecord, CurationRecord, FeedbackRecord,
    IdempotencyClaim, ListingRecord, NewPartner, PartnerRecord, PricePeriod, PublishableKeyRecord,
    RefreshOutcome, RefreshTokenRecord, SecretKeyRecord, SigninAttempt, SigninHandoff,
    SigningKeyRecord, Storage, StorageError, StoredAnswer, SyncOutcome, WebhookAttemptRecord,
    WebhookDeliveryRecord, WebhookEndpointRecord, WebhookEvent, parse_mode,
};
use crate::audit::{AuditDraft, AuditRecord, chain};

/// Storage over a sqlx pool of either backend. Queries use `$n` placeholders, which both accept.
pub struct SqlStorage<DB: sqlx::Database> {
    pub(super) pool: Pool<DB>,
}

impl<DB: sqlx::Database> SqlStorage<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        SqlStorage { pool }
    }
}

type KeyRow = (String, String, String, i64, Option<i64>);

/// Idempotency keys are kept 24 hours.
const IDEMPOTENCY_KEPT_MS: i64 = 24 * 60 * 60 * 1_000;

type SecretKeyRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
);

const SECRET_KEY_COLUMNS: &str =
    "key_id, partner_id, mode, algorithm, sealed_secret, created_at, revoked_at, expires_at";

fn secret_key_record(row: SecretKeyRow) -> Result<SecretKeyRecord, StorageError> {
    let (key_id, partner_id, mode, algorithm, sealed_secret, created_at, revoked_at, expires_at) =
        row;
    Ok(SecretKeyRecord {
        key_id,
        partner_id,
        mode: parse_mode(&mode)?,
        algorithm,
        sealed_secret,
        created_at,
        revoked_at,
        expires_at,
    })
}

type RefreshRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
);

const REFRESH_COLUMNS: &str = "token_hash, family_id, partner_id, subject, claims, issued_at, \
     expires_at, used_at, revoked_at";

fn refresh_record(row: RefreshRow) -> RefreshTokenRecord {
    let (
        token_hash,
        family_id,
        partner_id,
        subject,
        claims,
        issued_at,
        expires_at,
        used_at,
        revoked_at,
    ) = row;
    RefreshTokenRecord {
        token_hash,
        family_id,
        partner_id,
        subject,
        claims,
        issued_at,
        expires_at,
        used_at,
        revoked_at,
    }
}

type AuditRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
);

fn audit_record(row: AuditRow) -> AuditRecord {
    let (
        seq,
        at,
        actor,
        action,
        target,
        outcome,
        error_code,
        request_id,
        client_ip,
        prev_hash,
        hash,
    ) = row;
    AuditRecord {
        seq,
        draft: AuditDraft {
            at,
            actor,
            action,
            target,
            outcome,
            error_code,
            request_id,
            client_ip,
        },
        prev_hash,
        hash,
    }
}

const AUDIT_COLUMNS: &str =
    "seq, at, actor, action, target, outcome, error_code, request_id, client_ip, prev_hash, hash";

/// Groups flat rows into partners, keeping the partners' order.
fn assemble(
    partners: Vec<(String, String, i64)>,
    origins: Vec<(String, String)>,
    keys: Vec<KeyRow>,
    networks: Vec<(String, String)>,
) -> Result<Vec<PartnerRecord>, StorageError> {
    let mut records: Vec<PartnerRecord> = partners
        .into_iter()
        .map(|(id, name, created_at)| PartnerRecord {
            id,
            name,
            created_at,
            origins: Vec::new(),
            keys: Vec::new(),
            networks: Vec::new(),
        })
        .collect();
    let index: HashMap<String, usize> = records
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), i))
        .collect();
    for (partner_id, origin) in origins {
        if let Some(&i) = index.get(&partner_id) {
            records[i].origins.push(origin);
        }
    }
    for (partner_id, cidr) in networks {
        if let Some(&i) = index.get(&partner_id) {
            records[i].networks.push(cidr);
        }
    }
    for (key, partner_id, mode, created_at, revoked_at) in keys {
        if let Some(&i) = index.get(&partner_id) {
            records[i].keys.push(PublishableKeyRecord {
                key,
                mode: parse_mode(&mode)?,
                created_at,
                revoked_at,
            });
        }
    }
    Ok(records)
}

/// Inserts a refresh token into `family_id` (a rotated token joins its predecessor's family).
/// A macro for the same reason as `impl_storage!`: one body for two executors' bounds.
macro_rules! insert_refresh {
    ($executor:expr, $token:expr, $family_id:expr) => {
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, family_id, partner_id, subject, claims, issued_at, \
             expires_at, used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&$token.token_hash)
        .bind($family_id)
        .bind(&$token.partner_id)
        .bind(&$token.subject)
        .bind(&$token.claims)
        .bind($token.issued_at)
        .bind($token.expires_at)
        .bind($token.used_at)
        .bind($token.revoked_at)
        .execute($executor)
        .await
    };
}

/// `$begin` opens a transaction that shuts out other writers (every writing transaction uses
/// it: SQLite cannot upgrade a reading transaction while another connection writes);
/// `$lock` (if any) runs next where the audit chain needs it.
macro_rules! impl_storage {
    ($db:ty, $begin:expr, $lock:expr) => {
        #[async_trait::async_trait]
        impl Storage for SqlStorage<$db> {
            async fn ping(&self) -> Result<(), StorageError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn create_partner(&self, partner: &NewPartner) -> Result<(), StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                sqlx::query("INSERT INTO partners (id, name, created_at) VALUES ($1, $2, $3)")
                    .bind(&partner.id)
                    .bind(&partner.name)
                    .bind(partner.created_at)
                    .execute(&mut *tx)
                    .await?;
                for origin in &partner.origins {
                    sqlx::query("INSERT INTO partner_origins (partner_id, origin) VALUES ($1, $2)")
                        .bind(&partner.id)
                        .bind(origin)
                        .execute(&mut *tx)
                        .await?;
                }
                for key in &partner.keys {
                    sqlx::query(
                        "INSERT INTO publishable_keys (key, partner_id, mode, created_at) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&key.key)
                    .bind(&partner.id)
                    .bind(key.mode.as_str())
                    .bind(partner.created_at)
                    .execute(&mut *tx)
                    .await?;
                }
                for secret in &partner.secret_keys {
                    sqlx::query(
                        "INSERT INTO secret_keys (key_id, partner_id, mode, algorithm, sealed_secret, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&secret.key_id)
                    .bind(&partner.id)
                    .bind(secret.mode.as_str())
                    .bind(&secret.algorithm)
                    .bind(&secret.sealed_secret)
                    .bind(secret.created_at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn list_partners(&self) -> Result<Vec<PartnerRecord>, StorageError> {
                let mut tx = self.pool.begin().await?;
                let partners = sqlx::query_as(
                    "SELECT id, name, created_at FROM partners ORDER BY created_at, id",
                )
                .fetch_all(&mut *tx)
                .await?;
                let origins = sqlx::query_as(
                    "SELECT partner_id, origin FROM partner_origins ORDER BY partner_id, origin",
                )
                .fetch_all(&mut *tx)
                .await?;
                let keys = sqlx::query_as(
                    "SELECT key, partner_id, mode, created_at, revoked_at FROM publishable_keys \
                     ORDER BY created_at, key",
                )
                .fetch_all(&mut *tx)
                .await?;
                let networks = sqlx::query_as(
                    "SELECT partner_id, cidr FROM partner_networks ORDER BY partner_id, cidr",
                )
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                assemble(partners, origins, keys, networks)
            }

            async fn find_by_publishable_key(
                &self,
                key: &str,
            ) -> Result<Option<(PartnerRecord, PublishableKeyRecord)>, StorageError> {
                let mut tx = self.pool.begin().await?;
                let Some(key_row): Option<KeyRow> = sqlx::query_as(
                    "SELECT key, partner_id, mode, created_at, revoked_at FROM publishable_keys \
                     WHERE key = $1",
                )
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?
                else {
                    return Ok(None);
                };
                let partner_id = key_row.1.clone();
                let partners = sqlx::query_as("SELECT id, name, created_at FROM partners WHERE id = $1")
                    .bind(&partner_id)
                    .fetch_all(&mut *tx)
                    .await?;
                let origins = sqlx::query_as(
                    "SELECT partner_id, origin FROM partner_origins WHERE partner_id = $1 \
                     ORDER BY origin",
                )
                .bind(&partner_id)
                .fetch_all(&mut *tx)
                .await?;
                let networks = sqlx::query_as(
                    "SELECT partner_id, cidr FROM partner_networks WHERE partner_id = $1 ORDER BY cidr",
                )
                .bind(&partner_id)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                let key_record = PublishableKeyRecord {
                    key: key_row.0.clone(),
                    mode: parse_mode(&key_row.2)?,
                    created_at: key_row.3,
                    revoked_at: key_row.4,
                };
                let partner = assemble(partners, origins, vec![key_row], networks)?
                    .pop()
                    .ok_or_else(|| StorageError::Inconsistent(format!("key without partner {partner_id}")))?;
                Ok(Some((partner, key_record)))
            }

            async fn revoke_publishable_key(&self, key: &str, at: i64) -> Result<bool, StorageError> {
                let done = sqlx::query(
                    "UPDATE publishable_keys SET revoked_at = $1 WHERE key = $2 AND revoked_at IS NULL",
                )
                .bind(at)
                .bind(key)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn find_secret_key(&self, key_id: &str) -> Result<Option<SecretKeyRecord>, StorageError> {
                let query = format!("SELECT {SECRET_KEY_COLUMNS} FROM secret_keys WHERE key_id = $1");
                let row: Option<SecretKeyRow> = sqlx::query_as(sqlx::AssertSqlSafe(query))
                    .bind(key_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(secret_key_record).transpose()
            }

            async fn append_audit(&self, drafts: &[AuditDraft]) -> Result<Vec<AuditRecord>, StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                let lock: Option<&'static str> = $lock;
                if let Some(lock) = lock {
                    sqlx::query(lock).execute(&mut *tx).await?;
                }
                let last: Option<(i64, String)> =
                    sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                        .fetch_optional(&mut *tx)
                        .await?;
                let (mut seq, mut hash) = last.unwrap_or((0, chain::GENESIS.to_owned()));
                let mut records = Vec::with_capacity(drafts.len());
                for draft in drafts {
                    let record = chain::link(seq, &hash, draft);
                    sqlx::query(
                        "INSERT INTO audit_log (seq, at, actor, action, target, outcome, error_code, \
                         request_id, client_ip, prev_hash, hash) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    )
                    .bind(record.seq)
                    .bind(record.draft.at)
                    .bind(&record.draft.actor)
                    .bind(&record.draft.action)
                    .bind(&record.draft.target)
                    .bind(&record.draft.outcome)
                    .bind(&record.draft.error_code)
                    .bind(&record.draft.request_id)
                    .bind(&record.draft.client_ip)
                    .bind(&record.prev_hash)
                    .bind(&record.hash)
                    .execute(&mut *tx)
                    .await?;
                    seq = record.seq;
                    hash.clone_from(&record.hash);
                    records.push(record);
                }
                tx.commit().await?;
                Ok(records)
            }

            async fn audit_page(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditRecord>, StorageError> {
                let query = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
                let rows: Vec<AuditRow> = sqlx::query_as(sqlx::AssertSqlSafe(query))
                    .bind(after_seq)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(audit_record).collect())
            }

            async fn find_partner(&self, id: &str) -> Result<Option<PartnerRecord>, StorageError> {
                let mut tx = self.pool.begin().await?;
                let partners = sqlx::query_as("SELECT id, name, created_at FROM partners WHERE id = $1")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
                let origins = sqlx::query_as(
                    "SELECT partner_id, origin FROM partner_origins WHERE partner_id = $1 ORDER BY origin",
                )
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
                let keys = sqlx::query_as(
                    "SELECT key, partner_id, mode, created_at, revoked_at FROM publishable_keys \
                     WHERE partner_id = $1 ORDER BY created_at, key",
                )
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
                let networks = sqlx::query_as(
                    "SELECT partner_id, cidr FROM partner_networks WHERE partner_id = $1 ORDER BY cidr",
                )
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(assemble(partners, origins, keys, networks)?.pop())
            }

            async fn set_partner_networks(&self, partner_id: &str, cidrs: &[String]) -> Result<bool, StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                let exists: Option<(String,)> = sqlx::query_as("SELECT id FROM partners WHERE id = $1")
                    .bind(partner_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_none() {
                    return Ok(false);
                }
                sqlx::query("DELETE FROM partner_networks WHERE partner_id = $1")
                    .bind(partner_id)
                    .execute(&mut *tx)
                    .await?;
                for cidr in cidrs {
                    sqlx::query("INSERT INTO partner_networks (partner_id, cidr) VALUES ($1, $2)")
                        .bind(partner_id)
                        .bind(cidr)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn list_secret_keys(&self, partner_id: &str) -> Result<Vec<SecretKeyRecord>, StorageError> {
                let query = format!(
                    "SELECT {SECRET_KEY_COLUMNS} FROM secret_keys WHERE partner_id = $1 ORDER BY created_at, key_id"
                );
                let rows: Vec<SecretKeyRow> = sqlx::query_as(sqlx::AssertSqlSafe(query))
                    .bind(partner_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(secret_key_record).collect()
            }

            async fn add_secret_key(&self, key: &SecretKeyRecord, overlap_until: Option<i64>) -> Result<(), StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                if let Some(until) = overlap_until {
                    sqlx::query(
                        "UPDATE secret_keys SET expires_at = $1 WHERE partner_id = $2 AND mode = $3 \
                         AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1)",
                    )
                    .bind(until)
                    .bind(&key.partner_id)
                    .bind(key.mode.as_str())
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "INSERT INTO secret_keys (key_id, partner_id, mode, algorithm, sealed_secret, created_at, \
                     revoked_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&key.key_id)
                .bind(&key.partner_id)
                .bind(key.mode.as_str())
                .bind(&key.algorithm)
                .bind(&key.sealed_secret)
                .bind(key.created_at)
                .bind(key.revoked_at)
                .bind(key.expires_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn revoke_secret_key(&self, key_id: &str, at: i64) -> Result<bool, StorageError> {
                let done = sqlx::query(
                    "UPDATE secret_keys SET revoked_at = $1 WHERE key_id = $2 AND revoked_at IS NULL",
                )
                .bind(at)
                .bind(key_id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn remember_nonce(&self, key_id: &str, nonce: &str, expires_at: i64) -> Result<bool, StorageError> {
                let done = sqlx::query(
                    "INSERT INTO seen_nonces (key_id, nonce, expires_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (key_id, nonce) DO NOTHING",
                )
                .bind(key_id)
                .bind(nonce)
                .bind(expires_at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StorageError> {
                let rows: Vec<(String, String, i64, i64, Option<i64>)> = sqlx::query_as(
                    "SELECT kid, sealed_secret, created_at, not_before, retired_at FROM signing_keys \
                     ORDER BY not_before, kid",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(kid, sealed_secret, created_at, not_before, retired_at)| SigningKeyRecord {
                        kid,
                        sealed_secret,
                        created_at,
                        not_before,
                        retired_at,
                    })
                    .collect())
            }

            async fn add_signing_key(&self, key: &SigningKeyRecord, retire_others_at: Option<i64>) -> Result<(), StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                if let Some(at) = retire_others_at {
                    sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL")
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(
                    "INSERT INTO signing_keys (kid, sealed_secret, created_at, not_before, retired_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&key.kid)
                .bind(&key.sealed_secret)
                .bind(key.created_at)
                .bind(key.not_before)
                .bind(key.retired_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn store_refresh_token(&self, token: &RefreshTokenRecord) -> Result<(), StorageError> {
                insert_refresh!(&self.pool, token, &token.family_id)?;
                Ok(())
            }

            async fn use_refresh_token(
                &self,
                token_hash: &str,
                next: &RefreshTokenRecord,
                now: i64,
            ) -> Result<RefreshOutcome, StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                let query = format!("SELECT {REFRESH_COLUMNS} FROM refresh_tokens WHERE token_hash = $1");
                let row: Option<RefreshRow> = sqlx::query_as(sqlx::AssertSqlSafe(query))
                    .bind(token_hash)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(presented) = row.map(refresh_record) else {
                    return Ok(RefreshOutcome::Unknown);
                };
                if presented.revoked_at.is_some() {
                    return Ok(RefreshOutcome::Revoked);
                }
                if presented.expires_at <= now {
                    return Ok(RefreshOutcome::Expired);
                }
                // Marking it used only if nobody else did is what makes two racing uses a reuse.
                let claimed = sqlx::query(
                    "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
                )
                .bind(now)
                .bind(token_hash)
                .execute(&mut *tx)
                .await?;
                if claimed.rows_affected() == 0 {
                    sqlx::query(
                        "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL",
                    )
                    .bind(now)
                    .bind(&presented.family_id)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    return Ok(RefreshOutcome::Reused);
                }
                insert_refresh!(&mut *tx, next, &presented.family_id)?;
                tx.commit().await?;
                Ok(RefreshOutcome::Rotated(presented))
            }

            async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshTokenRecord>, StorageError> {
                let query = format!("SELECT {REFRESH_COLUMNS} FROM refresh_tokens WHERE token_hash = $1");
                let row: Option<RefreshRow> = sqlx::query_as(sqlx::AssertSqlSafe(query))
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(refresh_record))
            }

            async fn revoke_refresh_family(&self, token_hash: &str, at: i64) -> Result<bool, StorageError> {
                let done = sqlx::query(
                    "UPDATE refresh_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND family_id = \
                     (SELECT family_id FROM refresh_tokens WHERE token_hash = $2)",
                )
                .bind(at)
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn revoke_token_id(&self, jti: &str, expires_at: i64) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING",
                )
                .bind(jti)
                .bind(expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn is_token_id_revoked(&self, jti: &str) -> Result<bool, StorageError> {
                let row: Option<(String,)> = sqlx::query_as("SELECT jti FROM revoked_tokens WHERE jti = $1")
                    .bind(jti)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.is_some())
            }

            async fn raise_alert(
                &self,
                raised_at: i64,
                rule: &str,
                subject: &str,
                blocked_until: i64,
                detail: &str,
            ) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO security_alerts (raised_at, rule, subject, blocked_until, detail) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(raised_at)
                .bind(rule)
                .bind(subject)
                .bind(blocked_until)
                .bind(detail)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn alerts(&self, since: i64) -> Result<Vec<AlertRecord>, StorageError> {
                let rows: Vec<(i64, i64, String, String, i64, String)> = sqlx::query_as(
                    "SELECT id, raised_at, rule, subject, blocked_until, detail FROM security_alerts \
                     WHERE raised_at >= $1 ORDER BY raised_at DESC, id DESC",
                )
                .bind(since)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, raised_at, rule, subject, blocked_until, detail)| AlertRecord {
                        id,
                        raised_at,
                        rule,
                        subject,
                        blocked_until,
                        detail,
                    })
                    .collect())
            }

            async fn purge_expired(&self, now: i64) -> Result<(), StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                for table in ["seen_nonces", "revoked_tokens", "refresh_tokens", "signin_attempts", "signin_handoffs"] {
                    // Table names come from the fixed list above.
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE expires_at < $1")))
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                    .bind(now - IDEMPOTENCY_KEPT_MS)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn curation(&self, partner_id: &str) -> Result<Vec<CurationRecord>, StorageError> {
                self.curation_rows(partner_id).await
            }
            async fn create_listing(&self, listing: &ListingRecord) -> Result<(), StorageError> {
                self.insert_listing(listing).await
            }
            async fn listings(&self, partner_id: &str, mode: &str, ids: &[String]) -> Result<Vec<ListingRecord>, StorageError> {
                self.listings_by_id(partner_id, mode, ids).await
            }
            async fn replace_prices(&self, prices: &[(String, Vec<PricePeriod>)]) -> Result<(), StorageError> {
                self.replace_price_periods(prices).await
            }
            async fn prices(&self, listing_id: &str) -> Result<Vec<PricePeriod>, StorageError> {
                self.price_periods(listing_id).await
            }
            async fn sync_catalog(&self, partner_id: &str, mode: &str, positions: &[CatalogPosition], now: i64) -> Result<SyncOutcome, StorageError> {
                self.sync_positions(partner_id, mode, positions, now).await
            }
            async fn claim_idempotency_key(&self, partner_id: &str, key: &str, request_hash: &str, now: i64) -> Result<IdempotencyClaim, StorageError> {
                self.claim_key(partner_id, key, request_hash, now).await
            }
            async fn complete_idempotency_key(&self, partner_id: &str, key: &str, answer: &StoredAnswer) -> Result<(), StorageError> {
                self.complete_key(partner_id, key, answer).await
            }
            async fn release_idempotency_key(&self, partner_id: &str, key: &str) -> Result<(), StorageError> {
                self.release_key(partner_id, key).await
            }
            async fn create_application(&self, application: &ApplicationRecord) -> Result<(), StorageError> {
                self.insert_application(application).await
            }
            async fn applications_by_id(&self, partner_id: &str, mode: &str, ids: &[String]) -> Result<Vec<ApplicationRecord>, StorageError> {
                self.applications_with_ids(partner_id, mode, ids).await
            }
            async fn applications_updated_after(&self, partner_id: &str, mode: &str, after: (i64, &str), limit: i64) -> Result<Vec<ApplicationRecord>, StorageError> {
                self.applications_after(partner_id, mode, after, limit).await
            }
            async fn set_application_status(&self, partner_id: &str, mode: &str, id: &str, status_code: i32, now: i64) -> Result<Option<ApplicationRecord>, StorageError> {
                self.update_application_status(partner_id, mode, id, status_code, now).await
            }
            async fn add_feedback(&self, feedback: &FeedbackRecord, events: &[WebhookEvent]) -> Result<(), StorageError> {
                self.insert_feedback(feedback, events).await
            }
            async fn feedback_page(&self, partner_id: &str, mode: &str, after: (i64, &str), limit: i64) -> Result<Vec<FeedbackRecord>, StorageError> {
                self.feedback_after(partner_id, mode, after, limit).await
            }
            async fn create_webhook_endpoint(&self, endpoint: &WebhookEndpointRecord) -> Result<(), StorageError> {
                self.insert_endpoint(endpoint).await
            }
            async fn webhook_endpoints(&self, partner_id: &str) -> Result<Vec<WebhookEndpointRecord>, StorageError> {
                self.endpoints_of(partner_id).await
            }
            async fn webhook_endpoint(&self, id: &str) -> Result<Option<WebhookEndpointRecord>, StorageError> {
                self.endpoint_by_id(id).await
            }
            async fn rotate_webhook_secret(&self, id: &str, sealed_secret: &str, sealed_previous: &str, previous_until: i64) -> Result<bool, StorageError> {
                self.rotate_endpoint_secret(id, sealed_secret, sealed_previous, previous_until).await
            }
            async fn disable_webhook_endpoint(&self, id: &str, reason: &str, at: i64) -> Result<(), StorageError> {
                self.disable_endpoint(id, reason, at).await
            }
            async fn enqueue_webhook_event(&self, event: &WebhookEvent) -> Result<Vec<String>, StorageError> {
                self.enqueue_event(event).await
            }
            async fn due_webhook_deliveries(&self, now: i64, limit: i64) -> Result<Vec<WebhookDeliveryRecord>, StorageError> {
                self.due_deliveries(now, limit).await
            }
            async fn record_webhook_attempt(&self, attempt: &WebhookAttemptRecord, state: &str, next_attempt_at: Option<i64>) -> Result<(), StorageError> {
                self.store_attempt(attempt, state, next_attempt_at).await
            }
            async fn webhook_deliveries(&self, endpoint_id: &str, limit: i64) -> Result<Vec<(WebhookDeliveryRecord, Vec<WebhookAttemptRecord>)>, StorageError> {
                self.deliveries_of(endpoint_id, limit).await
            }
            async fn redeliver_webhook(&self, endpoint_id: &str, delivery_id: &str, now: i64) -> Result<bool, StorageError> {
                self.requeue_delivery(endpoint_id, delivery_id, now).await
            }

            async fn store_signin_attempt(&self, a: &SigninAttempt) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO signin_attempts (state, partner_id, publishable_key, mode, origin, scope, sealed_verifier, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&a.state)
                .bind(&a.partner_id)
                .bind(&a.publishable_key)
                .bind(&a.mode)
                .bind(&a.origin)
                .bind(&a.scope)
                .bind(&a.sealed_verifier)
                .bind(a.expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn take_signin_attempt(&self, state: &str, now: i64) -> Result<Option<SigninAttempt>, StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                let row: Option<(String, String, String, String, String, String, String, i64)> = sqlx::query_as(
                    "SELECT state, partner_id, publishable_key, mode, origin, scope, sealed_verifier, expires_at \
                     FROM signin_attempts WHERE state = $1",
                )
                .bind(state)
                .fetch_optional(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM signin_attempts WHERE state = $1").bind(state).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(row
                    .filter(|r| r.7 > now)
                    .map(|(state, partner_id, publishable_key, mode, origin, scope, sealed_verifier, expires_at)| SigninAttempt {
                        state, partner_id, publishable_key, mode, origin, scope, sealed_verifier, expires_at,
                    }))
            }

            async fn record_consent(&self, c: &ConsentRecord) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO consents (id, partner_id, citizen_id, service_code, version, text_sha256, granted_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&c.id)
                .bind(&c.partner_id)
                .bind(&c.citizen_id)
                .bind(&c.service_code)
                .bind(&c.version)
                .bind(&c.text_sha256)
                .bind(c.granted_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn store_signin_handoff(&self, h: &SigninHandoff) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO signin_handoffs (code_hash, partner_id, publishable_key, sealed_payload, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&h.code_hash)
                .bind(&h.partner_id)
                .bind(&h.publishable_key)
                .bind(&h.sealed_payload)
                .bind(h.expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn take_signin_handoff(&self, code_hash: &str, now: i64) -> Result<Option<SigninHandoff>, StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                let row: Option<(String, String, String, String, i64)> = sqlx::query_as(
                    "SELECT code_hash, partner_id, publishable_key, sealed_payload, expires_at FROM signin_handoffs WHERE code_hash = $1",
                )
                .bind(code_hash)
                .fetch_optional(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM signin_handoffs WHERE code_hash = $1").bind(code_hash).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(row
                    .filter(|r| r.4 > now)
                    .map(|(code_hash, partner_id, publishable_key, sealed_payload, expires_at)| SigninHandoff {
                        code_hash, partner_id, publishable_key, sealed_payload, expires_at,
                    }))
            }
        }
    };
}

// SQLite: BEGIN IMMEDIATE takes the write lock at once. PostgreSQL: a table lock that lets
// readers through but serialises appenders, so two processes never extend the chain together.
impl_storage!(Sqlite, "BEGIN IMMEDIATE", None);
impl_storage!(
    Postgres,
    "BEGIN",
    Some("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
);
