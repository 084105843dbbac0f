//! The citizen flow's SQL for both backends: links, drafts, attachments, submissions and
//! status histories.

use sqlx::{Postgres, Row, Sqlite};

use super::{
    ApplicationRecord, ConsentRecord, SqlStorage, StorageError, WebhookEvent,
    applications::{
        ApplicationStore, AttachmentRecord, CitizenLinkRecord, DraftRecord, StatusEntryRecord,
        SubmissionProgress, SubmissionRecord, SubmissionState,
    },
};

const SUBMISSION_SELECT: &str = "SELECT a.id, a.partner_id, a.mode, a.service_code, a.status_code, \
     a.created_at, a.updated_at, s.citizen_id, s.consent_id, s.region, s.sealed_form, \
     s.order_id, s.state, s.attempts, s.next_attempt_at, s.last_error \
     FROM submissions s JOIN applications a ON a.id = s.application_id";

const ATTACHMENT_COLUMNS: &str = "id, application_id, partner_id, citizen_id, sealed_name, \
     content_type, size_bytes, sealed_content, created_at";
/// The same without the files themselves (an empty `sealed_content`): for lists and counts.
const ATTACHMENT_LIST_COLUMNS: &str = "id, application_id, partner_id, citizen_id, sealed_name, \
     content_type, size_bytes, '', created_at";

type AttachmentRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    i64,
);

fn attachment(row: AttachmentRow) -> AttachmentRecord {
    let (
        id,
        application_id,
        partner_id,
        citizen_id,
        sealed_name,
        content_type,
        size_bytes,
        sealed_content,
        created_at,
    ) = row;
    AttachmentRecord {
        id,
        application_id,
        partner_id,
        citizen_id,
        sealed_name,
        content_type,
        size_bytes,
        sealed_content,
        created_at,
    }
}

type StatusRow = (i64, i32, Option<i64>, String, i64);

fn status_entry((seq, status_code, portal_entry_id, comment, at): StatusRow) -> StatusEntryRecord {
    StatusEntryRecord {
        seq,
        status_code,
        portal_entry_id,
        comment,
        at,
    }
}

type LinkRow = (String, String, String, String, String, String, i64, i64);
const LINK_COLUMNS: &str = "partner_id, citizen_id, mode, sealed_profile, sealed_portal_token, \
     sealed_portal_refresh_token, portal_token_expires_at, updated_at";

fn link(row: LinkRow) -> CitizenLinkRecord {
    let (
        partner_id,
        citizen_id,
        mode,
        sealed_profile,
        sealed_portal_token,
        sealed_portal_refresh_token,
        portal_token_expires_at,
        updated_at,
    ) = row;
    CitizenLinkRecord {
        partner_id,
        citizen_id,
        mode,
        sealed_profile,
        sealed_portal_token,
        sealed_portal_refresh_token,
        portal_token_expires_at,
        updated_at,
    }
}

/// A row of `SUBMISSION_SELECT`, read by position (more columns than sqlx's tuples take).
fn submission<R: Row>(row: &R) -> Result<SubmissionRecord, StorageError>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let state: String = row.try_get(12)?;
    Ok(SubmissionRecord {
        application: ApplicationRecord {
            id: row.try_get(0)?,
            partner_id: row.try_get(1)?,
            mode: row.try_get(2)?,
            service_code: row.try_get(3)?,
            status_code: row.try_get(4)?,
            created_at: row.try_get(5)?,
            updated_at: row.try_get(6)?,
        },
        citizen_id: row.try_get(7)?,
        consent_id: row.try_get(8)?,
        region: row.try_get(9)?,
        sealed_form: row.try_get(10)?,
        order_id: row.try_get(11)?,
        state: SubmissionState::parse(&state)?,
        attempts: row.try_get(13)?,
        next_attempt_at: row.try_get(14)?,
        last_error: row.try_get(15)?,
    })
}

macro_rules! impl_applications {
    ($db:ty, $begin:expr) => {
        #[async_trait::async_trait]
        impl ApplicationStore for SqlStorage<$db> {
            async fn upsert_citizen_link(&self, l: &CitizenLinkRecord) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO citizen_links (partner_id, citizen_id, mode, sealed_profile, sealed_portal_token, \
                     sealed_portal_refresh_token, portal_token_expires_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (partner_id, citizen_id) DO UPDATE SET mode = excluded.mode, \
                     sealed_profile = excluded.sealed_profile, sealed_portal_token = excluded.sealed_portal_token, \
                     sealed_portal_refresh_token = excluded.sealed_portal_refresh_token, \
                     portal_token_expires_at = excluded.portal_token_expires_at, updated_at = excluded.updated_at",
                )
                .bind(&l.partner_id)
                .bind(&l.citizen_id)
                .bind(&l.mode)
                .bind(&l.sealed_profile)
                .bind(&l.sealed_portal_token)
                .bind(&l.sealed_portal_refresh_token)
                .bind(l.portal_token_expires_at)
                .bind(l.updated_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn citizen_link(&self, partner_id: &str, citizen_id: &str) -> Result<Option<CitizenLinkRecord>, StorageError> {
                let query = format!("SELECT {LINK_COLUMNS} FROM citizen_links WHERE partner_id = $1 AND citizen_id = $2");
                let row: Option<LinkRow> = sqlx::query_as(sqlx::AssertSqlSafe(query))
                    .bind(partner_id)
                    .bind(citizen_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(link))
            }

            async fn renew_portal_tokens(&self, l: &CitizenLinkRecord, previous_token: &str) -> Result<bool, StorageError> {
                let done = sqlx::query(
                    "UPDATE citizen_links SET sealed_portal_token = $1, sealed_portal_refresh_token = $2, \
                     portal_token_expires_at = $3, updated_at = $4 \
                     WHERE partner_id = $5 AND citizen_id = $6 AND sealed_portal_token = $7",
                )
                .bind(&l.sealed_portal_token)
                .bind(&l.sealed_portal_refresh_token)
                .bind(l.portal_token_expires_at)
                .bind(l.updated_at)
                .bind(&l.partner_id)
                .bind(&l.citizen_id)
                .bind(previous_token)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn active_consent(&self, partner_id: &str, citizen_id: &str, service_code: &str) -> Result<Option<ConsentRecord>, StorageError> {
                let row: Option<(String, String, String, String, String, String, i64)> = sqlx::query_as(
                    "SELECT id, partner_id, citizen_id, service_code, version, text_sha256, granted_at FROM consents \
                     WHERE partner_id = $1 AND citizen_id = $2 AND service_code = $3 AND withdrawn_at IS NULL \
                     ORDER BY granted_at DESC, id DESC LIMIT 1",
                )
                .bind(partner_id)
                .bind(citizen_id)
                .bind(service_code)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(id, partner_id, citizen_id, service_code, version, text_sha256, granted_at)| ConsentRecord {
                    id, partner_id, citizen_id, service_code, version, text_sha256, granted_at,
                }))
            }

            async fn open_draft(&self, partner_id: &str, citizen_id: &str, service_code: &str, new_application_id: &str, now: i64) -> Result<DraftRecord, StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                sqlx::query(
                    "INSERT INTO drafts (partner_id, citizen_id, service_code, application_id, sealed_values, updated_at) \
                     VALUES ($1, $2, $3, $4, NULL, $5) ON CONFLICT (partner_id, citizen_id, service_code) DO NOTHING",
                )
                .bind(partner_id)
                .bind(citizen_id)
                .bind(service_code)
                .bind(new_application_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let (application_id, sealed_values, updated_at): (String, Option<String>, i64) = sqlx::query_as(
                    "SELECT application_id, sealed_values, updated_at FROM drafts \
                     WHERE partner_id = $1 AND citizen_id = $2 AND service_code = $3",
                )
                .bind(partner_id)
                .bind(citizen_id)
                .bind(service_code)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(DraftRecord {
                    partner_id: partner_id.to_owned(),
                    citizen_id: citizen_id.to_owned(),
                    service_code: service_code.to_owned(),
                    application_id,
                    sealed_values,
                    updated_at,
                })
            }

            async fn save_draft(&self, d: &DraftRecord) -> Result<bool, StorageError> {
                let done = sqlx::query(
                    "UPDATE drafts SET sealed_values = $1, updated_at = $2 \
                     WHERE partner_id = $3 AND citizen_id = $4 AND service_code = $5 AND application_id = $6",
                )
                .bind(&d.sealed_values)
                .bind(d.updated_at)
                .bind(&d.partner_id)
                .bind(&d.citizen_id)
                .bind(&d.service_code)
                .bind(&d.application_id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn add_attachment(&self, a: &AttachmentRecord) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO attachments (id, application_id, partner_id, citizen_id, sealed_name, content_type, \
                     size_bytes, sealed_content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&a.id)
                .bind(&a.application_id)
                .bind(&a.partner_id)
                .bind(&a.citizen_id)
                .bind(&a.sealed_name)
                .bind(&a.content_type)
                .bind(a.size_bytes)
                .bind(&a.sealed_content)
                .bind(a.created_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn attachments_of(&self, application_id: &str, contents: bool) -> Result<Vec<AttachmentRecord>, StorageError> {
                let columns = if contents { ATTACHMENT_COLUMNS } else { ATTACHMENT_LIST_COLUMNS };
                let query = format!("SELECT {columns} FROM attachments WHERE application_id = $1 ORDER BY created_at, id");
                let rows: Vec<AttachmentRow> = sqlx::query_as(sqlx::AssertSqlSafe(query))
                    .bind(application_id)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(attachment).collect())
            }

            async fn submit_application(&self, s: &SubmissionRecord, first: &StatusEntryRecord, event: &WebhookEvent) -> Result<bool, StorageError> {
                let a = &s.application;
                let mut tx = self.pool.begin_with($begin).await?;
                // ON CONFLICT: two submits of one application at once both get here; the second
                // writes nothing and answers false instead of failing on the key.
                let inserted = sqlx::query(
                    "INSERT INTO applications (id, partner_id, mode, service_code, status_code, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
                )
                .bind(&a.id)
                .bind(&a.partner_id)
                .bind(&a.mode)
                .bind(&a.service_code)
                .bind(a.status_code)
                .bind(a.created_at)
                .bind(a.updated_at)
                .execute(&mut *tx)
                .await?;
                if inserted.rows_affected() == 0 {
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO submissions (application_id, citizen_id, consent_id, region, sealed_form, \
                     order_id, state, attempts, next_attempt_at, last_error) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&a.id)
                .bind(&s.citizen_id)
                .bind(&s.consent_id)
                .bind(&s.region)
                .bind(&s.sealed_form)
                .bind(s.order_id)
                .bind(s.state.as_str())
                .bind(s.attempts)
                .bind(s.next_attempt_at)
                .bind(&s.last_error)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO application_statuses (application_id, seq, status_code, portal_entry_id, comment, at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&a.id)
                .bind(first.seq)
                .bind(first.status_code)
                .bind(first.portal_entry_id)
                .bind(&first.comment)
                .bind(first.at)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM drafts WHERE application_id = $1")
                    .bind(&a.id)
                    .execute(&mut *tx)
                    .await?;
                queue_webhook!(tx, event);
                tx.commit().await?;
                Ok(true)
            }

            async fn submission(&self, application_id: &str) -> Result<Option<SubmissionRecord>, StorageError> {
                let query = format!("{SUBMISSION_SELECT} WHERE s.application_id = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(query))
                    .bind(application_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(submission).transpose()
            }

            async fn due_submissions(&self, state: SubmissionState, now: i64, limit: i64) -> Result<Vec<SubmissionRecord>, StorageError> {
                let query = format!(
                    "{SUBMISSION_SELECT} WHERE s.state = $1 AND s.next_attempt_at <= $2 ORDER BY s.next_attempt_at, s.application_id LIMIT $3"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(query))
                    .bind(state.as_str())
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(submission).collect()
            }

            async fn set_order_id(&self, application_id: &str, order_id: i64) -> Result<(), StorageError> {
                sqlx::query("UPDATE submissions SET order_id = $1 WHERE application_id = $2")
                    .bind(order_id)
                    .bind(application_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn record_progress(&self, application_id: &str, p: &SubmissionProgress) -> Result<Vec<StatusEntryRecord>, StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                sqlx::query(
                    "UPDATE submissions SET state = $1, attempts = $2, next_attempt_at = $3, last_error = $4 WHERE application_id = $5",
                )
                .bind(p.state.as_str())
                .bind(p.attempts)
                .bind(p.next_attempt_at)
                .bind(&p.last_error)
                .bind(application_id)
                .execute(&mut *tx)
                .await?;
                let (last,): (i64,) = sqlx::query_as(
                    "SELECT COALESCE(MAX(seq), 0) FROM application_statuses WHERE application_id = $1",
                )
                .bind(application_id)
                .fetch_one(&mut *tx)
                .await?;
                let mut stored = Vec::new();
                for (i, entry) in p.new_statuses.iter().enumerate() {
                    let seq = last + 1 + i64::try_from(i).unwrap_or(i64::MAX - last - 1);
                    sqlx::query(
                        "INSERT INTO application_statuses (application_id, seq, status_code, portal_entry_id, comment, at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(application_id)
                    .bind(seq)
                    .bind(entry.status_code)
                    .bind(entry.portal_entry_id)
                    .bind(&entry.comment)
                    .bind(entry.at)
                    .execute(&mut *tx)
                    .await?;
                    stored.push(StatusEntryRecord { seq, ..entry.clone() });
                }
                for event in &p.events {
                    queue_webhook!(tx, event);
                }
                if let Some(newest) = stored.last() {
                    // updated_at only moves forward, so the Partner API's cursor never misses a change.
                    sqlx::query(
                        "UPDATE applications SET status_code = $1, \
                         updated_at = CASE WHEN updated_at >= $2 THEN updated_at + 1 ELSE $2 END WHERE id = $3",
                    )
                    .bind(newest.status_code)
                    .bind(p.now)
                    .bind(application_id)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(stored)
            }

            async fn status_history(&self, application_id: &str, after_seq: i64) -> Result<Vec<StatusEntryRecord>, StorageError> {
                let rows: Vec<StatusRow> = sqlx::query_as(
                    "SELECT seq, status_code, portal_entry_id, comment, at FROM application_statuses \
                     WHERE application_id = $1 AND seq > $2 ORDER BY seq",
                )
                .bind(application_id)
                .bind(after_seq)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(status_entry).collect())
            }

            async fn purge_personal_data(&self, before: i64) -> Result<(u64, u64, u64), StorageError> {
                let mut tx = self.pool.begin_with($begin).await?;
                let finished = sqlx::query(
                    "UPDATE submissions SET sealed_form = '' WHERE state IN ('closed', 'refused') AND sealed_form <> '' \
                     AND application_id IN (SELECT application_id FROM application_statuses \
                     GROUP BY application_id HAVING MAX(at) < $1)",
                )
                .bind(before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                sqlx::query(
                    "DELETE FROM attachments WHERE application_id IN \
                     (SELECT application_id FROM submissions WHERE sealed_form = '')",
                )
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE application_statuses SET comment = '' WHERE comment <> '' AND application_id IN \
                     (SELECT application_id FROM submissions WHERE sealed_form = '')",
                )
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "DELETE FROM attachments WHERE application_id IN (SELECT application_id FROM drafts WHERE updated_at < $1)",
                )
                .bind(before)
                .execute(&mut *tx)
                .await?;
                let drafts = sqlx::query("DELETE FROM drafts WHERE updated_at < $1")
                    .bind(before)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                let links = sqlx::query(
                    "DELETE FROM citizen_links WHERE updated_at < $1 AND NOT EXISTS \
                     (SELECT 1 FROM submissions s JOIN applications a ON a.id = s.application_id \
                      WHERE s.citizen_id = citizen_links.citizen_id AND a.partner_id = citizen_links.partner_id \
                      AND s.state IN ('pending', 'tracking'))",
                )
                .bind(before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok((finished, drafts, links))
            }

            async fn latest_submission(&self, partner_id: &str, citizen_id: &str, service_code: &str) -> Result<Option<SubmissionRecord>, StorageError> {
                let query = format!(
                    "{SUBMISSION_SELECT} WHERE a.partner_id = $1 AND s.citizen_id = $2 AND a.service_code = $3 \
                     ORDER BY a.created_at DESC, a.id DESC LIMIT 1"
                );
                let row = sqlx::query(sqlx::AssertSqlSafe(query))
                    .bind(partner_id)
                    .bind(citizen_id)
                    .bind(service_code)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(submission).transpose()
            }
        }
    };
}

impl_applications!(Sqlite, "BEGIN IMMEDIATE");
impl_applications!(Postgres, "BEGIN");
