//! The applications worker: forwards each submitted application to the portal (create the
//! order once, push the archive) and reads its statuses until a final one; every step is
//! stored, with the partner's webhooks, in one transaction.

use std::{sync::Arc, time::Duration};

use app::{
    error::AppError,
    services::ServiceDescription,
    statuses::{self, DRAFT},
};
use serde_json::json;

use super::{Applications, SealedForm, archive};
use crate::{
    clock::{rfc3339_millis, unix_millis},
    portal::{
        PortalClient, PortalError,
        wire::{Order, OrderMeta, PORTAL_TIME, PushMeta},
    },
    registry,
    storage::{
        StatusEntryRecord, SubmissionProgress, SubmissionRecord, SubmissionState, parse_mode,
    },
    webhooks::schedule,
};

/// Submissions forwarded or tracked per round of the worker.
const BATCH: i64 = 8;
/// How often the worker looks for due work when nothing wakes it.
const TICK: Duration = Duration::from_secs(1);
/// The portal status okno reports when the portal refused an application outright.
const PORTAL_REFUSED: u32 = statuses::PROCESSING_ERROR;

/// Whether a failed portal call may succeed later (outage, overload) rather than never.
fn is_transient(error: &PortalError) -> bool {
    match error {
        PortalError::Timeout | PortalError::Unreachable(_) | PortalError::Malformed(_) => true,
        PortalError::Refused { status, .. } => {
            status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408
        }
    }
}

impl Applications {
    /// Forwards and tracks applications until the process stops.
    pub async fn run(self: Arc<Self>) {
        loop {
            self.work_once().await;
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(TICK) => {}
            }
        }
    }

    /// One round: every due forward, then every due status read.
    pub async fn work_once(&self) {
        let now = self.now_ms();
        for state in [SubmissionState::Pending, SubmissionState::Tracking] {
            let due = match self.storage.due_submissions(state, now, BATCH).await {
                Ok(due) => due,
                Err(error) => {
                    tracing::error!(%error, "reading due applications failed");
                    return;
                }
            };
            for submission in due {
                let id = submission.application.id.clone();
                let result = match state {
                    SubmissionState::Pending => self.forward(submission).await,
                    _ => self.track(submission).await,
                };
                if let Err(error) = result {
                    tracing::error!(application = %id, %error, "an application step failed");
                }
            }
        }
    }

    /// The citizen's ESIA token for the portal, renewed when needed. ESIA not answering is an
    /// outage (retried); ESIA refusing the renewal is a refusal of the application.
    async fn portal_token(&self, submission: &SubmissionRecord) -> Result<String, PortalError> {
        let partner_id = &submission.application.partner_id;
        self.signin
            .portal_token(partner_id, &submission.citizen_id)
            .await
            .map_err(|error| match error {
                AppError::EsiaUnavailable | AppError::Internal => {
                    PortalError::Unreachable(format!("ESIA token renewal: {}", error.code()))
                }
                _ => PortalError::Refused {
                    status: reqwest::StatusCode::UNAUTHORIZED,
                    code: error.code().to_owned(),
                    message: "the citizen's Gosuslugi sign-in could not be renewed".to_owned(),
                },
            })
    }

    fn portal(&self, submission: &SubmissionRecord) -> anyhow::Result<&PortalClient> {
        let mode = parse_mode(&submission.application.mode)?;
        self.portals
            .for_mode(mode)
            .map_err(|_| anyhow::anyhow!("no portal for mode {}", submission.application.mode))
    }

    /// Hands one application to the portal: create the order (once), push the archive.
    async fn forward(&self, submission: SubmissionRecord) -> anyhow::Result<()> {
        let portal = self.portal(&submission)?;
        let service = registry::find(&submission.application.service_code).ok_or_else(|| {
            anyhow::anyhow!(
                "service {} left the registry",
                submission.application.service_code
            )
        })?;
        let meta = OrderMeta {
            region: submission.region.clone(),
            service_code: service.code.clone(),
            target_code: service.target_code.clone(),
        };
        let outcome = match self.portal_token(&submission).await {
            Ok(token) => {
                self.push_once(portal, &token, &submission, service, meta)
                    .await
            }
            Err(error) => Err(error),
        };
        let now = self.now_ms();
        let attempts = submission.attempts + 1;
        let progress = match outcome {
            Ok(()) => SubmissionProgress {
                state: SubmissionState::Tracking,
                attempts: 0,
                next_attempt_at: Some(now),
                last_error: None,
                new_statuses: Vec::new(),
                events: Vec::new(),
                now,
            },
            Err(error) if is_transient(&error) => {
                tracing::warn!(application = %submission.application.id, %error, attempts, "the portal did not take an application yet; will retry");
                let next = schedule::next_attempt_at(
                    now,
                    u32::try_from(attempts).unwrap_or(u32::MAX),
                    now,
                    &mut rand::rng(),
                );
                SubmissionProgress {
                    state: SubmissionState::Pending,
                    attempts,
                    next_attempt_at: next.or(Some(now + schedule::MAX_WAIT_MS)),
                    last_error: Some(error.to_string()),
                    new_statuses: Vec::new(),
                    events: Vec::new(),
                    now,
                }
            }
            Err(error) => {
                tracing::warn!(application = %submission.application.id, %error, "the portal refused an application");
                let comment = match &error {
                    PortalError::Refused { code, message, .. } => format!("{code}: {message}"),
                    other => other.to_string(),
                };
                SubmissionProgress {
                    state: SubmissionState::Refused,
                    attempts,
                    next_attempt_at: None,
                    last_error: Some(error.to_string()),
                    new_statuses: vec![StatusEntryRecord {
                        seq: 0,
                        status_code: PORTAL_REFUSED as i32,
                        portal_entry_id: None,
                        comment,
                        at: now,
                    }],
                    events: Vec::new(),
                    now,
                }
            }
        };
        self.store_progress(&submission, progress).await
    }

    /// Creates the order unless it exists, then pushes the archive unless the portal has it.
    async fn push_once(
        &self,
        portal: &PortalClient,
        token: &str,
        submission: &SubmissionRecord,
        service: &ServiceDescription,
        meta: OrderMeta,
    ) -> Result<(), PortalError> {
        let order_id = match submission.order_id {
            Some(id) => u64::try_from(id).unwrap_or_default(),
            None => {
                let id = portal.create_order(token, &meta).await?;
                // Stored before the push: a retry pushes into this order, never a second one.
                self.storage
                    .set_order_id(
                        &submission.application.id,
                        i64::try_from(id).unwrap_or(i64::MAX),
                    )
                    .await
                    .map_err(|e| {
                        PortalError::Unreachable(format!("storing the order id failed: {e}"))
                    })?;
                id
            }
        };
        if submission.order_id.is_some() {
            // An earlier attempt made the order; its push may have reached the portal with the
            // answer lost (or okno stopped before recording it).
            if let Some(order) = portal.order(token, order_id).await?
                && order.order_status_id != DRAFT
            {
                return Ok(());
            }
        }
        let archive = self
            .archive(submission, service)
            .await
            .map_err(|e| PortalError::Malformed(format!("building the archive failed: {e}")))?;
        portal
            .push(
                token,
                &PushMeta {
                    meta,
                    order_id: Some(order_id),
                },
                archive,
            )
            .await
            .map(|_| ())
    }

    /// Opens the sealed application and its files and packs them for the portal.
    async fn archive(
        &self,
        submission: &SubmissionRecord,
        service: &ServiceDescription,
    ) -> anyhow::Result<Vec<u8>> {
        let id = &submission.application.id;
        let form: SealedForm = serde_json::from_slice(
            &self
                .sealer
                .open(&submission.sealed_form, &format!("form:{id}"))?,
        )?;
        let mut files = Vec::with_capacity(form.attachment_ids.len());
        for stored in self.storage.attachments_of(id, true).await? {
            if !form.attachment_ids.contains(&stored.id) {
                continue;
            }
            let name = self.sealer.open(
                &stored.sealed_name,
                &format!("attachment-name:{}", stored.id),
            )?;
            files.push(archive::File {
                name: String::from_utf8_lossy(&name).into_owned(),
                content_type: stored.content_type,
                bytes: self
                    .sealer
                    .open(&stored.sealed_content, &format!("attachment:{}", stored.id))?,
            });
        }
        let request = archive::Request {
            application_id: id,
            service_code: &service.code,
            target_code: &service.target_code,
            form_version: form.version,
            submitted: &rfc3339_millis(submission.application.created_at),
            answers: form
                .values
                .iter()
                .map(|(name, value)| archive::Answer { name, value })
                .collect(),
        };
        Ok(archive::build(&request, &files)?)
    }

    /// Reads a tracked application's order and records the statuses okno has not seen.
    async fn track(&self, submission: SubmissionRecord) -> anyhow::Result<()> {
        let portal = self.portal(&submission)?;
        let order_id = submission
            .order_id
            .and_then(|id| u64::try_from(id).ok())
            .ok_or_else(|| anyhow::anyhow!("a tracked application without an order"))?;
        let now = self.now_ms();
        // Without a token (ESIA refused to renew it) tracking waits, backing off, until the
        // citizen signs in again, which stores fresh tokens.
        let read = match self.portal_token(&submission).await {
            Ok(token) => portal.order(&token, order_id).await,
            Err(error) => Err(error),
        };
        let order = match read {
            Ok(order) => order,
            Err(error) => {
                tracing::warn!(application = %submission.application.id, %error, "reading an order's status failed; will retry");
                let progress = SubmissionProgress {
                    state: SubmissionState::Tracking,
                    attempts: submission.attempts + 1,
                    next_attempt_at: Some(
                        now + self.poll_every_ms.max(schedule::max_wait_ms(
                            u32::try_from(submission.attempts + 1).unwrap_or(u32::MAX),
                        )),
                    ),
                    last_error: Some(error.to_string()),
                    new_statuses: Vec::new(),
                    events: Vec::new(),
                    now,
                };
                return self.store_progress(&submission, progress).await;
            }
        };
        let known = self
            .storage
            .status_history(&submission.application.id, 0)
            .await?;
        let new_statuses = order
            .map(|order| unseen_statuses(&order, &known, now))
            .unwrap_or_default();
        let closed = new_statuses
            .iter()
            .any(|s| statuses::is_final(u32::try_from(s.status_code).unwrap_or(u32::MAX)));
        let progress = SubmissionProgress {
            state: if closed {
                SubmissionState::Closed
            } else {
                SubmissionState::Tracking
            },
            attempts: 0,
            next_attempt_at: (!closed).then_some(now + self.poll_every_ms),
            last_error: None,
            new_statuses,
            events: Vec::new(),
            now,
        };
        self.store_progress(&submission, progress).await
    }

    /// Stores a step; each new status goes to the partner's webhooks and to live streams.
    async fn store_progress(
        &self,
        submission: &SubmissionRecord,
        mut progress: SubmissionProgress,
    ) -> anyhow::Result<()> {
        let id = &submission.application.id;
        // The portal's comments may name the citizen: sealed like the rest.
        for status in &mut progress.new_statuses {
            if !status.comment.is_empty() {
                status.comment = self
                    .sealer
                    .seal(status.comment.as_bytes(), &format!("status-comment:{id}"))?;
            }
        }
        // The partner's webhooks commit with the statuses they report: none is lost or sent for
        // a status that was not stored.
        let mode = parse_mode(&submission.application.mode)?;
        let mut previous = submission.application.status_code;
        for status in &progress.new_statuses {
            progress.events.push(self.outbox.event(
                &submission.application.partner_id,
                mode,
                "application.status_changed",
                json!({ "application_id": id, "status_code": status.status_code, "previous_status_code": previous }),
            ));
            previous = status.status_code;
        }
        let stored = self.storage.record_progress(id, &progress).await?;
        if !stored.is_empty() {
            self.outbox.wake();
            let _ = self.changes.send(id.clone());
        }
        Ok(())
    }
}

/// The order's history entries okno has not recorded yet (by the portal's entry id), without
/// the draft the order began as.
fn unseen_statuses(order: &Order, known: &[StatusEntryRecord], now: i64) -> Vec<StatusEntryRecord> {
    let last_seen = known
        .iter()
        .filter_map(|k| k.portal_entry_id)
        .max()
        .unwrap_or(i64::MIN);
    let mut entries: Vec<_> = order
        .statuses
        .iter()
        .filter(|entry| entry.status_id != DRAFT)
        .filter(|entry| i64::try_from(entry.id).is_ok_and(|id| id > last_seen))
        .collect();
    entries.sort_by_key(|entry| entry.id);
    entries
        .into_iter()
        .map(|entry| StatusEntryRecord {
            seq: 0,
            status_code: i32::try_from(entry.status_id).unwrap_or(i32::MAX),
            portal_entry_id: i64::try_from(entry.id).ok(),
            comment: entry.comment.clone(),
            at: portal_time_ms(&entry.date).unwrap_or(now),
        })
        .collect()
}

/// The portal's `2023-11-02T07:27:22.586+0300` in unix milliseconds.
fn portal_time_ms(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, PORTAL_TIME)
        .ok()
        .map(unix_millis)
}
