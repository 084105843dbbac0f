//! The SQL both backends share: one generic struct, implemented for SQLite and PostgreSQL by a macro
//! because sqlx's executor bounds make a single generic impl unreadable.

use std::collections::HashMap;

use sqlx::{Pool, Postgres, Sqlite};

use super::{
    NewPartner, PartnerRecord, PublishableKeyRecord, SecretKeyRecord, Storage, StorageError,
    parse_mode,
};
use crate::audit::{AuditDraft, AuditRecord, chain};

/// Storage over a sqlx pool of either backend. Queries use `$n` placeholders, which both accept.
pub struct SqlStorage<DB: sqlx::Database> {
    pool: Pool<DB>,
}

impl<DB: sqlx::Database> SqlStorage<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        SqlStorage { pool }
    }
}

type KeyRow = (String, String, String, i64, Option<i64>);

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
) -> Result<Vec<PartnerRecord>, StorageError> {
    let mut records: Vec<PartnerRecord> = partners
        .into_iter()
        .map(|(id, name, created_at)| PartnerRecord {
            id,
            name,
            created_at,
            origins: Vec::new(),
            keys: Vec::new(),
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

/// `$begin` opens a transaction that shuts out other writers; `$lock` (if any) runs next.
macro_rules! impl_storage {
    ($db:ty, $begin:expr, $lock:expr) => {
        #[async_trait::async_trait]
        impl Storage for SqlStorage<$db> {
            async fn ping(&self) -> Result<(), StorageError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn create_partner(&self, partner: &NewPartner) -> Result<(), StorageError> {
                let mut tx = self.pool.begin().await?;
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
                tx.commit().await?;
                assemble(partners, origins, keys)
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
                tx.commit().await?;
                let key_record = PublishableKeyRecord {
                    key: key_row.0.clone(),
                    mode: parse_mode(&key_row.2)?,
                    created_at: key_row.3,
                    revoked_at: key_row.4,
                };
                let partner = assemble(partners, origins, vec![key_row])?
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
                let row: Option<(String, String, String, String, String, i64, Option<i64>)> = sqlx::query_as(
                    "SELECT key_id, partner_id, mode, algorithm, sealed_secret, created_at, revoked_at \
                     FROM secret_keys WHERE key_id = $1",
                )
                .bind(key_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|(key_id, partner_id, mode, algorithm, sealed_secret, created_at, revoked_at)| {
                    Ok(SecretKeyRecord {
                        key_id,
                        partner_id,
                        mode: parse_mode(&mode)?,
                        algorithm,
                        sealed_secret,
                        created_at,
                        revoked_at,
                    })
                })
                .transpose()
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
