//! The SQL both backends share: one generic struct, implemented for SQLite and PostgreSQL by a macro
//! because sqlx's executor bounds make a single generic impl unreadable.

use std::collections::HashMap;

use sqlx::{Pool, Postgres, Sqlite};

use super::{NewPartner, PartnerRecord, PublishableKeyRecord, Storage, StorageError, parse_mode};

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

macro_rules! impl_storage {
    ($db:ty) => {
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
        }
    };
}

impl_storage!(Sqlite);
impl_storage!(Postgres);
