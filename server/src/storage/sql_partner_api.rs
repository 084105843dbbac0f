//! The Partner API's SQL for both backends, as inherent methods the `Storage` impl delegates to
//! (one macro per file keeps each file about one area).

use std::collections::HashMap;

use sqlx::{Postgres, Sqlite};

use super::{
    ApplicationRecord, CatalogPosition, CurationRecord, FeedbackRecord, IdempotencyClaim,
    ListingRecord, PricePeriod, SqlStorage, StorageError, StoredAnswer, SyncOutcome,
    WebhookAttemptRecord, WebhookDeliveryRecord, WebhookEndpointRecord, WebhookEvent,
};

type ListingRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    i64,
);
const LISTING_COLUMNS: &str = "id, partner_id, mode, service_code, title, description, deadline_days, partner_reference, created_at";

fn listing(row: ListingRow) -> ListingRecord {
    let (
        id,
        partner_id,
        mode,
        service_code,
        title,
        description,
        deadline_days,
        partner_reference,
        created_at,
    ) = row;
    ListingRecord {
        id,
        partner_id,
        mode,
        service_code,
        title,
        description,
        deadline_days,
        partner_reference,
        created_at,
    }
}

type ApplicationRow = (String, String, String, String, i32, i64, i64);
const APPLICATION_COLUMNS: &str =
    "id, partner_id, mode, service_code, status_code, created_at, updated_at";

fn application(row: ApplicationRow) -> ApplicationRecord {
    let (id, partner_id, mode, service_code, status_code, created_at, updated_at) = row;
    ApplicationRecord {
        id,
        partner_id,
        mode,
        service_code,
        status_code,
        created_at,
        updated_at,
    }
}

type EndpointRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    i64,
);
const ENDPOINT_COLUMNS: &str = "id, partner_id, mode, url, event_types, sealed_secret, sealed_previous_secret, previous_secret_until, disabled_at, disabled_reason, created_at";

fn endpoint(row: EndpointRow) -> WebhookEndpointRecord {
    let (
        id,
        partner_id,
        mode,
        url,
        event_types,
        sealed_secret,
        sealed_previous_secret,
        previous_secret_until,
        disabled_at,
        disabled_reason,
        created_at,
    ) = row;
    WebhookEndpointRecord {
        id,
        partner_id,
        mode,
        url,
        event_types,
        sealed_secret,
        sealed_previous_secret,
        previous_secret_until,
        disabled_at,
        disabled_reason,
        created_at,
    }
}

type DeliveryRow = (
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
const DELIVERY_COLUMNS: &str = "id, endpoint_id, event_type, payload, state, attempts, created_at, next_attempt_at, finished_at";

fn delivery(row: DeliveryRow) -> WebhookDeliveryRecord {
    let (
        id,
        endpoint_id,
        event_type,
        payload,
        state,
        attempts,
        created_at,
        next_attempt_at,
        finished_at,
    ) = row;
    WebhookDeliveryRecord {
        id,
        endpoint_id,
        event_type,
        payload,
        state,
        attempts,
        created_at,
        next_attempt_at,
        finished_at,
    }
}

type AttemptRow = (String, i64, i64, Option<i64>, i64, String, Option<String>);

fn attempt(row: AttemptRow) -> WebhookAttemptRecord {
    let (delivery_id, attempt, at, status_code, latency_ms, outcome, error) = row;
    WebhookAttemptRecord {
        delivery_id,
        attempt,
        at,
        status_code,
        latency_ms,
        outcome,
        error,
    }
}

/// Builds `$1, $2, …` placeholders starting after `offset` bound parameters.
fn placeholders(offset: usize, count: usize) -> String {
    (1..=count)
        .map(|i| format!("${}", offset + i))
        .collect::<Vec<_>>()
        .join(", ")
}

macro_rules! impl_partner_api {
    ($db:ty, $begin:expr) => {
        impl SqlStorage<$db> {
            pub(super) async fn curation_rows(&self, partner_id: &str) -> Result<Vec<CurationRecord>, StorageError> {
                let rows: Vec<(String, Option<i64>, bool, Option<String>)> = sqlx::query_as(
                    "SELECT service_code, position, hidden, custom_title FROM service_curation WHERE partner_id = $1",
                )
                .bind(partner_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(service_code, position, hidden, custom_title)| CurationRecord { service_code, position, hidden, custom_title })
                    .collect())
            }

            pub(super) async fn insert_listing(&self, l: &ListingRecord) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO listings (id, partner_id, mode, service_code, title, description, deadline_days, \
                     partner_reference, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&l.id)
                .bind(&l.partner_id)
                .bind(&l.mode)
                .bind(&l.service_code)
                .bind(&l.title)
                .bind(&l.description)
                .bind(l.deadline_days)
                .bind(&l.partner_reference)
                .bind(l.created_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            pub(super) async fn listings_by_id(&self, partner_id: &str, mode: &str, ids: &[String]) -> Result<Vec<ListingRecord>, StorageError> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                // Only placeholders are formatted in; every value is bound.
                let query = format!(
                    "SELECT {LISTING_COLUMNS} FROM listings WHERE partner_id = $1 AND mode = $2 AND id IN ({})",
                    placeholders(2, ids.len())
                );
                let mut q = sqlx::query_as::<_, ListingRow>(sqlx::AssertSqlSafe(query)).bind(partner_id).bind(mode);
                for id in ids {
                    q = q.bind(id);
                }
                Ok(q.fetch_all(&self.pool).await?.into_iter().map(listing).collect())
            }

            pub(super) async fn replace_price_periods(&self, prices: &[(String, Vec<PricePeriod>)]) -> Result<(), StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                for (listing_id, periods) in prices {
                    sqlx::query("DELETE FROM listing_prices WHERE listing_id = $1")
                        .bind(listing_id)
                        .execute(&mut *tx)
                        .await?;
                    for p in periods {
                        sqlx::query(
                            "INSERT INTO listing_prices (listing_id, effective_from, effective_to, amount_kopecks, currency, conditions) \
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(listing_id)
                        .bind(&p.effective_from)
                        .bind(&p.effective_to)
                        .bind(p.amount_kopecks)
                        .bind(&p.currency)
                        .bind(&p.conditions)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            pub(super) async fn price_periods(&self, listing_id: &str) -> Result<Vec<PricePeriod>, StorageError> {
                let rows: Vec<(String, Option<String>, i64, String, String)> = sqlx::query_as(
                    "SELECT effective_from, effective_to, amount_kopecks, currency, conditions FROM listing_prices \
                     WHERE listing_id = $1 ORDER BY effective_from",
                )
                .bind(listing_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(effective_from, effective_to, amount_kopecks, currency, conditions)| PricePeriod {
                        effective_from, effective_to, amount_kopecks, currency, conditions,
                    })
                    .collect())
            }

            pub(super) async fn sync_positions(&self, partner_id: &str, mode: &str, positions: &[CatalogPosition], now: i64) -> Result<SyncOutcome, StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                let existing: Vec<(String, String, Option<String>)> = sqlx::query_as(
                    "SELECT position_id, service_code, title FROM catalog_positions WHERE partner_id = $1 AND mode = $2",
                )
                .bind(partner_id)
                .bind(mode)
                .fetch_all(&mut *tx)
                .await?;
                let mut before: HashMap<String, (String, Option<String>)> =
                    existing.into_iter().map(|(id, code, title)| (id, (code, title))).collect();
                let mut outcome = SyncOutcome::default();
                for p in positions {
                    match before.remove(&p.position_id) {
                        Some((code, title)) if code == p.service_code && title == p.title => {}
                        Some(_) => {
                            sqlx::query(
                                "UPDATE catalog_positions SET service_code = $1, title = $2, updated_at = $3 \
                                 WHERE partner_id = $4 AND mode = $5 AND position_id = $6",
                            )
                            .bind(&p.service_code)
                            .bind(&p.title)
                            .bind(now)
                            .bind(partner_id)
                            .bind(mode)
                            .bind(&p.position_id)
                            .execute(&mut *tx)
                            .await?;
                            outcome.updated.push(p.position_id.clone());
                        }
                        None => {
                            sqlx::query(
                                "INSERT INTO catalog_positions (partner_id, mode, position_id, service_code, title, updated_at) \
                                 VALUES ($1, $2, $3, $4, $5, $6)",
                            )
                            .bind(partner_id)
                            .bind(mode)
                            .bind(&p.position_id)
                            .bind(&p.service_code)
                            .bind(&p.title)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                            outcome.created.push(p.position_id.clone());
                        }
                    }
                }
                let mut removed: Vec<String> = before.into_keys().collect();
                removed.sort();
                for id in &removed {
                    sqlx::query("DELETE FROM catalog_positions WHERE partner_id = $1 AND mode = $2 AND position_id = $3")
                        .bind(partner_id)
                        .bind(mode)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                outcome.removed = removed;
                tx.commit().await?;
                Ok(outcome)
            }

            pub(super) async fn claim_key(&self, partner_id: &str, key: &str, hash: &str, now: i64) -> Result<IdempotencyClaim, StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                let found: Option<(String, i64, String, String)> = sqlx::query_as(
                    "SELECT request_hash, status, content_type, body FROM idempotency_keys \
                     WHERE partner_id = $1 AND idempotency_key = $2",
                )
                .bind(partner_id)
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
                let claim = match found {
                    Some((stored_hash, _, _, _)) if stored_hash != hash => IdempotencyClaim::Conflict,
                    Some((_, 0, _, _)) => IdempotencyClaim::InProgress,
                    Some((_, status, content_type, body)) => IdempotencyClaim::Replay(StoredAnswer {
                        status: u16::try_from(status).unwrap_or(500),
                        content_type,
                        body,
                    }),
                    None => {
                        sqlx::query(
                            "INSERT INTO idempotency_keys (partner_id, idempotency_key, request_hash, status, content_type, body, created_at) \
                             VALUES ($1, $2, $3, 0, '', '', $4)",
                        )
                        .bind(partner_id)
                        .bind(key)
                        .bind(hash)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        IdempotencyClaim::Claimed
                    }
                };
                tx.commit().await?;
                Ok(claim)
            }

            pub(super) async fn complete_key(&self, partner_id: &str, key: &str, answer: &StoredAnswer) -> Result<(), StorageError> {
                sqlx::query(
                    "UPDATE idempotency_keys SET status = $1, content_type = $2, body = $3 \
                     WHERE partner_id = $4 AND idempotency_key = $5",
                )
                .bind(i64::from(answer.status))
                .bind(&answer.content_type)
                .bind(&answer.body)
                .bind(partner_id)
                .bind(key)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            pub(super) async fn release_key(&self, partner_id: &str, key: &str) -> Result<(), StorageError> {
                sqlx::query("DELETE FROM idempotency_keys WHERE partner_id = $1 AND idempotency_key = $2 AND status = 0")
                    .bind(partner_id)
                    .bind(key)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            pub(super) async fn insert_application(&self, a: &ApplicationRecord) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO applications (id, partner_id, mode, service_code, status_code, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&a.id)
                .bind(&a.partner_id)
                .bind(&a.mode)
                .bind(&a.service_code)
                .bind(a.status_code)
                .bind(a.created_at)
                .bind(a.updated_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            pub(super) async fn applications_with_ids(&self, partner_id: &str, mode: &str, ids: &[String]) -> Result<Vec<ApplicationRecord>, StorageError> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                // Only placeholders are formatted in; every value is bound.
                let query = format!(
                    "SELECT {APPLICATION_COLUMNS} FROM applications WHERE partner_id = $1 AND mode = $2 AND id IN ({}) ORDER BY id",
                    placeholders(2, ids.len())
                );
                let mut q = sqlx::query_as::<_, ApplicationRow>(sqlx::AssertSqlSafe(query)).bind(partner_id).bind(mode);
                for id in ids {
                    q = q.bind(id);
                }
                Ok(q.fetch_all(&self.pool).await?.into_iter().map(application).collect())
            }

            pub(super) async fn applications_after(&self, partner_id: &str, mode: &str, after: (i64, &str), limit: i64) -> Result<Vec<ApplicationRecord>, StorageError> {
                let query = format!(
                    "SELECT {APPLICATION_COLUMNS} FROM applications WHERE partner_id = $1 AND mode = $2 \
                     AND (updated_at > $3 OR (updated_at = $3 AND id > $4)) ORDER BY updated_at, id LIMIT $5"
                );
                let rows: Vec<ApplicationRow> = sqlx::query_as(sqlx::AssertSqlSafe(query))
                    .bind(partner_id)
                    .bind(mode)
                    .bind(after.0)
                    .bind(after.1)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(application).collect())
            }

            pub(super) async fn update_application_status(&self, partner_id: &str, mode: &str, id: &str, status: i32, now: i64) -> Result<Option<ApplicationRecord>, StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                let query = format!("SELECT {APPLICATION_COLUMNS} FROM applications WHERE partner_id = $1 AND mode = $2 AND id = $3");
                let before: Option<ApplicationRow> = sqlx::query_as(sqlx::AssertSqlSafe(query))
                    .bind(partner_id)
                    .bind(mode)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if before.is_some() {
                    // updated_at only moves forward, so the updated_after cursor never misses a change.
                    sqlx::query(
                        "UPDATE applications SET status_code = $1, \
                         updated_at = CASE WHEN updated_at >= $2 THEN updated_at + 1 ELSE $2 END WHERE id = $3",
                    )
                    .bind(status)
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(before.map(application))
            }

            pub(super) async fn insert_feedback(&self, f: &FeedbackRecord, events: &[WebhookEvent]) -> Result<(), StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                sqlx::query(
                    "INSERT INTO feedback (id, application_id, partner_id, rating, comment, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&f.id)
                .bind(&f.application_id)
                .bind(&f.partner_id)
                .bind(f.rating)
                .bind(&f.comment)
                .bind(f.created_at)
                .execute(&mut *tx)
                .await?;
                for event in events {
                    queue_webhook!(tx, event);
                }
                tx.commit().await?;
                Ok(())
            }

            pub(super) async fn feedback_after(&self, partner_id: &str, mode: &str, after: (i64, &str), limit: i64) -> Result<Vec<FeedbackRecord>, StorageError> {
                let rows: Vec<(String, String, String, i32, String, i64)> = sqlx::query_as(
                    "SELECT f.id, f.application_id, f.partner_id, f.rating, f.comment, f.created_at FROM feedback f \
                     JOIN applications a ON a.id = f.application_id \
                     WHERE f.partner_id = $1 AND a.mode = $2 AND (f.created_at > $3 OR (f.created_at = $3 AND f.id > $4)) \
                     ORDER BY f.created_at, f.id LIMIT $5",
                )
                .bind(partner_id)
                .bind(mode)
                .bind(after.0)
                .bind(after.1)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, application_id, partner_id, rating, comment, created_at)| FeedbackRecord {
                        id, application_id, partner_id, rating, comment, created_at,
                    })
                    .collect())
            }

            pub(super) async fn insert_endpoint(&self, e: &WebhookEndpointRecord) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO webhook_endpoints (id, partner_id, mode, url, event_types, sealed_secret, \
                     sealed_previous_secret, previous_secret_until, disabled_at, disabled_reason, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(&e.id)
                .bind(&e.partner_id)
                .bind(&e.mode)
                .bind(&e.url)
                .bind(&e.event_types)
                .bind(&e.sealed_secret)
                .bind(&e.sealed_previous_secret)
                .bind(e.previous_secret_until)
                .bind(e.disabled_at)
                .bind(&e.disabled_reason)
                .bind(e.created_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            pub(super) async fn endpoints_of(&self, partner_id: &str) -> Result<Vec<WebhookEndpointRecord>, StorageError> {
                let query = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE partner_id = $1 ORDER BY created_at, id");
                let rows: Vec<EndpointRow> = sqlx::query_as(sqlx::AssertSqlSafe(query)).bind(partner_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(endpoint).collect())
            }

            pub(super) async fn endpoint_by_id(&self, id: &str) -> Result<Option<WebhookEndpointRecord>, StorageError> {
                let query = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1");
                let row: Option<EndpointRow> = sqlx::query_as(sqlx::AssertSqlSafe(query)).bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(endpoint))
            }

            pub(super) async fn rotate_endpoint_secret(&self, id: &str, sealed: &str, previous: &str, until: i64) -> Result<bool, StorageError> {
                let done = sqlx::query(
                    "UPDATE webhook_endpoints SET sealed_secret = $1, sealed_previous_secret = $2, previous_secret_until = $3 WHERE id = $4",
                )
                .bind(sealed)
                .bind(previous)
                .bind(until)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            pub(super) async fn disable_endpoint(&self, id: &str, reason: &str, at: i64) -> Result<(), StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                sqlx::query("UPDATE webhook_endpoints SET disabled_at = $1, disabled_reason = $2 WHERE id = $3 AND disabled_at IS NULL")
                    .bind(at)
                    .bind(reason)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE webhook_deliveries SET state = 'gone', next_attempt_at = NULL, finished_at = $1 \
                     WHERE endpoint_id = $2 AND state = 'pending'",
                )
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            pub(super) async fn enqueue_event(&self, event: &WebhookEvent) -> Result<Vec<String>, StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                let ids = queue_webhook!(tx, event);
                tx.commit().await?;
                Ok(ids)
            }

            pub(super) async fn due_deliveries(&self, now: i64, limit: i64) -> Result<Vec<WebhookDeliveryRecord>, StorageError> {
                let query = format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= $1 \
                     ORDER BY next_attempt_at, id LIMIT $2"
                );
                let rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(query)).bind(now).bind(limit).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(delivery).collect())
            }

            pub(super) async fn store_attempt(&self, a: &WebhookAttemptRecord, state: &str, next: Option<i64>) -> Result<(), StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                sqlx::query(
                    "INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, latency_ms, outcome, error) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&a.delivery_id)
                .bind(a.attempt)
                .bind(a.at)
                .bind(a.status_code)
                .bind(a.latency_ms)
                .bind(&a.outcome)
                .bind(&a.error)
                .execute(&mut *tx)
                .await?;
                let finished = if state == "pending" { None } else { Some(a.at) };
                sqlx::query(
                    "UPDATE webhook_deliveries SET state = $1, attempts = $2, next_attempt_at = $3, finished_at = $4 WHERE id = $5",
                )
                .bind(state)
                .bind(a.attempt)
                .bind(next)
                .bind(finished)
                .bind(&a.delivery_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            pub(super) async fn deliveries_of(&self, endpoint_id: &str, limit: i64) -> Result<Vec<(WebhookDeliveryRecord, Vec<WebhookAttemptRecord>)>, StorageError> {
                let query = format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
                );
                let rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(query)).bind(endpoint_id).bind(limit).fetch_all(&self.pool).await?;
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    let d = delivery(row);
                    let attempts: Vec<AttemptRow> = sqlx::query_as(
                        "SELECT delivery_id, attempt, at, status_code, latency_ms, outcome, error FROM webhook_attempts \
                         WHERE delivery_id = $1 ORDER BY attempt",
                    )
                    .bind(&d.id)
                    .fetch_all(&self.pool)
                    .await?;
                    out.push((d, attempts.into_iter().map(attempt).collect()));
                }
                Ok(out)
            }

            pub(super) async fn requeue_delivery(&self, endpoint_id: &str, id: &str, now: i64) -> Result<bool, StorageError> {
                let done = sqlx::query(
                    "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = $1, finished_at = NULL \
                     WHERE id = $2 AND endpoint_id = $3",
                )
                .bind(now)
                .bind(id)
                .bind(endpoint_id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

impl_partner_api!(Sqlite, "BEGIN IMMEDIATE");
impl_partner_api!(Postgres, "BEGIN");
