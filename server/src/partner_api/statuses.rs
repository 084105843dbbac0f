//! Applications' statuses for the partner (ids and status codes, never personal data), setting a
//! status to drive the sandbox in test mode, and citizens' feedback.

use app::{partner::Mode, statuses};
use serde_json::json;

use super::{PartnerApi, Refusal, RefusalKind, cursor};
use crate::{
    clock::unix_millis,
    gateway::Caller,
    storage::{ApplicationRecord, FeedbackRecord},
};

/// The most items one page holds.
pub const MAX_LIMIT: i64 = 500;
/// The most ids one status query may name.
pub const MAX_IDS: usize = 500;

pub struct StatusPage {
    pub items: Vec<ApplicationRecord>,
    /// Where the next read continues; absent when the page was empty.
    pub next_cursor: Option<String>,
}

pub struct FeedbackPage {
    pub items: Vec<FeedbackRecord>,
    pub next_cursor: Option<String>,
}

fn limit(value: Option<i64>) -> Result<i64, Refusal> {
    let limit = value.unwrap_or(100);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Refusal::invalid(
            "out_of_range",
            "limit",
            format!("`limit` must be 1 to {MAX_LIMIT}."),
        ));
    }
    Ok(limit)
}

impl PartnerApi {
    /// Statuses by id list, or changed after a cursor (ids take precedence when both are sent).
    pub async fn statuses(
        &self,
        caller: &Caller,
        ids: Option<&[String]>,
        updated_after: Option<&str>,
        page_limit: Option<i64>,
    ) -> Result<StatusPage, Refusal> {
        let mode = caller.mode.as_str();
        if let Some(ids) = ids {
            if ids.is_empty() || ids.len() > MAX_IDS {
                return Err(Refusal::invalid(
                    "out_of_range",
                    "ids",
                    format!("`ids` must name 1 to {MAX_IDS} applications."),
                ));
            }
            let items = self
                .storage
                .applications_by_id(&caller.partner_id, mode, ids)
                .await?;
            return Ok(StatusPage {
                items,
                next_cursor: None,
            });
        }
        let limit = limit(page_limit)?;
        let (at, id) = cursor::decode("updated_after", updated_after)?;
        let items = self
            .storage
            .applications_updated_after(&caller.partner_id, mode, (at, &id), limit)
            .await?;
        let next_cursor = items.last().map(|a| cursor::encode(a.updated_at, &a.id));
        Ok(StatusPage { items, next_cursor })
    }

    /// Sets an application's status: in test mode only (it drives the sandbox's progression);
    /// a live key is refused with 403 `forbidden_in_live_mode`.
    pub async fn set_status(
        &self,
        caller: &Caller,
        application_id: &str,
        status_code: i64,
    ) -> Result<ApplicationRecord, Refusal> {
        if caller.mode == Mode::Live {
            return Err(Refusal::new(
                RefusalKind::Forbidden,
                "forbidden_in_live_mode",
                "Statuses of live applications come only from the portal; set statuses with a test key.",
            ));
        }
        let status = u32::try_from(status_code)
            .ok()
            .and_then(statuses::find)
            .ok_or_else(|| {
                Refusal::invalid(
                    "unknown_status",
                    "status_code",
                    format!("{status_code} is not a portal status code."),
                )
            })?;
        if let Some(moved) = self
            .move_sandbox_order(caller, application_id, status.id)
            .await?
        {
            return Ok(moved);
        }
        let now = unix_millis(self.clock.now());
        let code = i32::try_from(status.id).unwrap_or(i32::MAX);
        let before = self
            .storage
            .set_application_status(
                &caller.partner_id,
                caller.mode.as_str(),
                application_id,
                code,
                now,
            )
            .await?
            .ok_or_else(|| Refusal {
                kind: RefusalKind::NotFound,
                code: "application_unknown",
                message: format!(
                    "No application {application_id:?} was filed through you in this mode."
                ),
                field: Some("application_id".to_owned()),
            })?;
        if before.status_code != code {
            self.outbox
                .enqueue(
                    &caller.partner_id,
                    caller.mode,
                    "application.status_changed",
                    json!({ "application_id": application_id, "status_code": status.id, "previous_status_code": before.status_code }),
                )
                .await?;
        }
        let after = self
            .storage
            .applications_by_id(
                &caller.partner_id,
                caller.mode.as_str(),
                &[application_id.to_owned()],
            )
            .await?;
        after.into_iter().next().ok_or_else(|| {
            Refusal::new(
                RefusalKind::Internal,
                "internal_error",
                "The application vanished.",
            )
        })
    }

    /// A citizen's filed application in test mode is moved where its statuses come from: its
    /// sandbox order. okno records the status (timeline, webhook, the citizen's live stream)
    /// when it next reads the order, within `status_poll_seconds`. `None` when the application
    /// was not filed through the widget, or no sandbox runs: then okno's record is set directly.
    async fn move_sandbox_order(
        &self,
        caller: &Caller,
        application_id: &str,
        status_id: u32,
    ) -> Result<Option<ApplicationRecord>, Refusal> {
        let Some(sandbox) = &self.sandbox else {
            return Ok(None);
        };
        let Some(submission) = self.storage.submission(application_id).await? else {
            return Ok(None);
        };
        if submission.application.partner_id != caller.partner_id
            || submission.application.mode != caller.mode.as_str()
        {
            return Ok(None);
        }
        let order_id = submission
            .order_id
            .and_then(|id| u64::try_from(id).ok())
            .ok_or_else(|| Refusal {
                kind: RefusalKind::Conflict,
                code: "application_not_on_portal",
                message:
                    "The application has not reached the portal yet; set its status once it has."
                        .to_owned(),
                field: Some("application_id".to_owned()),
            })?;
        sandbox
            .set_order_status(order_id, status_id)
            .await
            .map_err(|error| {
                tracing::error!(%error, order_id, "moving a sandbox order failed");
                Refusal::new(
                    RefusalKind::Internal,
                    "internal_error",
                    "The sandbox did not answer.",
                )
            })?;
        Ok(Some(submission.application))
    }

    /// Citizens' ratings and comments, oldest first, after a cursor.
    pub async fn feedback(
        &self,
        caller: &Caller,
        after: Option<&str>,
        page_limit: Option<i64>,
    ) -> Result<FeedbackPage, Refusal> {
        let limit = limit(page_limit)?;
        let (at, id) = cursor::decode("cursor", after)?;
        let items = self
            .storage
            .feedback_page(&caller.partner_id, caller.mode.as_str(), (at, &id), limit)
            .await?;
        let next_cursor = items.last().map(|f| cursor::encode(f.created_at, &f.id));
        Ok(FeedbackPage { items, next_cursor })
    }
}
