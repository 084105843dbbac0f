//! Citizens' applications: drafts, attachments and submission (validated again, sealed, stored);
//! `forwarding` holds the worker that forwards each to the portal through a durable outbox and
//! follows its statuses until a final one.
//!
//! Every step is stored before it is acted on: an application is accepted only once its sealed
//! content, its forwarding row and its first status are committed together, so a portal outage
//! delays it but never loses it. An order is created once per application (its id is stored
//! before the push), and a retried push first asks the portal whether the archive already
//! arrived, so a retry never files twice.

pub mod archive;
mod forwarding;

use std::{sync::Arc, time::Duration};

use app::{
    applications::{AttachmentView, Draft, Receipt, StatusView, check_file},
    error::AppError,
    services::{
        RegionRule, ServiceDescription,
        values::{CalendarDate, EASTERNMOST_RUSSIAN_UTC_OFFSET, FormValues},
    },
    statuses::{self, FORWARDING},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::{Notify, broadcast};

use crate::{
    audit::{AuditEvent, AuditLog, Outcome},
    clock::{SharedClock, rfc3339_millis, unix_millis},
    portal::Portals,
    sealing::Sealer,
    signin::SignIn,
    storage::{
        ApplicationRecord, AttachmentRecord, DraftRecord, FeedbackRecord, SharedStorage,
        StatusEntryRecord, SubmissionRecord, SubmissionState,
    },
    telemetry::internal,
    tokens::CitizenAccess,
    webhooks::outbox::Outbox,
};

/// The largest saved draft (sealed answers), in bytes of JSON.
const MAX_DRAFT_BYTES: usize = 64 * 1024;
/// The region an application is filed in when the service is offered everywhere (Moscow's
/// OKATO); the portal routes federal services by the agency, not by this.
const DEFAULT_REGION: &str = "45000000000";

/// What is sealed as a submitted application's content.
#[derive(Serialize, Deserialize)]
struct SealedForm {
    version: u32,
    values: Vec<(String, String)>,
    attachment_ids: Vec<String>,
}

pub struct Applications {
    storage: SharedStorage,
    sealer: Arc<Sealer>,
    clock: SharedClock,
    audit: AuditLog,
    outbox: Arc<Outbox>,
    portals: Arc<Portals>,
    /// Keeps the citizens' ESIA tokens and renews them.
    signin: Arc<SignIn>,
    /// Between two reads of a tracked application's status on the portal.
    poll_every_ms: i64,
    wake: Notify,
    /// The ids of applications whose timeline just grew (for live status streams).
    changes: broadcast::Sender<String>,
}

/// How the timeline shows a stored status.
pub fn status_view(entry: &StatusEntryRecord) -> StatusView {
    let code = u32::try_from(entry.status_code).unwrap_or(u32::MAX);
    let known = statuses::describe(code);
    StatusView {
        seq: entry.seq,
        status_code: code,
        name_ru: known.map_or_else(|| format!("Статус {code}"), |s| s.name_ru.to_owned()),
        name_en: known.map_or_else(|| format!("Status {code}"), |s| s.name_en.to_owned()),
        at: rfc3339_millis(entry.at),
        is_final: known.is_some_and(|s| s.is_final),
    }
}

/// The file's type judged by its first bytes, when it is one forms take.
fn sniffed_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// What [`Applications`] works with.
pub struct ApplicationsParts {
    pub storage: SharedStorage,
    pub sealer: Arc<Sealer>,
    pub clock: SharedClock,
    pub audit: AuditLog,
    pub outbox: Arc<Outbox>,
    pub portals: Arc<Portals>,
    pub signin: Arc<SignIn>,
    /// Between two reads of a tracked application's status on the portal.
    pub poll_every: Duration,
}

impl Applications {
    pub fn new(parts: ApplicationsParts) -> Self {
        Applications {
            poll_every_ms: i64::try_from(parts.poll_every.as_millis()).unwrap_or(i64::MAX),
            storage: parts.storage,
            sealer: parts.sealer,
            clock: parts.clock,
            audit: parts.audit,
            outbox: parts.outbox,
            portals: parts.portals,
            signin: parts.signin,
            wake: Notify::new(),
            changes: broadcast::channel(256).0,
        }
    }

    /// Tells live streams which application changed.
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.changes.subscribe()
    }

    /// Seals personal data for the row `row` (its id bound in, so it opens nowhere else).
    fn seal(&self, plaintext: &[u8], row: &str) -> Result<String, AppError> {
        self.sealer.seal(plaintext, row).map_err(|error| {
            tracing::error!(%error, row, "sealing personal data failed");
            AppError::Internal
        })
    }

    fn open(&self, sealed: &str, row: &str) -> Result<Vec<u8>, AppError> {
        self.sealer.open(sealed, row).map_err(|error| {
            tracing::error!(%error, row, "opening personal data failed");
            AppError::Internal
        })
    }

    fn now_ms(&self) -> i64 {
        unix_millis(self.clock.now())
    }

    /// The citizen's date for `not_after_today` checks: the easternmost Russian date, so the
    /// server never refuses what a browser anywhere in Russia accepted.
    fn today(&self) -> Result<CalendarDate, AppError> {
        CalendarDate::from_unix_seconds(
            self.clock.now().unix_timestamp(),
            EASTERNMOST_RUSSIAN_UTC_OFFSET,
        )
        .ok_or(AppError::Internal)
    }

    /// Nothing personal is kept for a service without the citizen's consent to it: the access
    /// token must carry the consent that is in force (not withdrawn, not replaced).
    async fn require_consent(
        &self,
        citizen: &CitizenAccess,
        service: &ServiceDescription,
    ) -> Result<(), AppError> {
        let consent = self
            .storage
            .active_consent(&citizen.partner_id, &citizen.citizen_id, &service.code)
            .await
            .map_err(internal("reading a consent failed"))?;
        if consent.as_ref().map(|c| c.id.as_str()) == Some(citizen.consent_id.as_str()) {
            Ok(())
        } else {
            Err(AppError::ConsentRequired)
        }
    }

    /// The citizen's draft for the service, created empty on first use.
    pub async fn open_draft(
        &self,
        citizen: &CitizenAccess,
        service: &ServiceDescription,
    ) -> Result<Draft, AppError> {
        self.require_consent(citizen, service).await?;
        let record = self.draft_record(citizen, service).await?;
        let values = match &record.sealed_values {
            Some(sealed) => {
                let bytes = self.open(sealed, &format!("draft:{}", record.application_id))?;
                serde_json::from_slice(&bytes).map_err(internal("decoding a draft failed"))?
            }
            None => FormValues::new(),
        };
        let attachments = self.attachment_views(&record.application_id).await?;
        Ok(Draft {
            application_id: record.application_id,
            values,
            attachments,
        })
    }

    async fn draft_record(
        &self,
        citizen: &CitizenAccess,
        service: &ServiceDescription,
    ) -> Result<DraftRecord, AppError> {
        let new_id = format!("app_{:024x}", rand::random::<u128>() >> 32);
        self.storage
            .open_draft(
                &citizen.partner_id,
                &citizen.citizen_id,
                &service.code,
                &new_id,
                self.now_ms(),
            )
            .await
            .map_err(internal("opening a draft failed"))
    }

    /// Saves the answers so far (sealed); a draft already submitted is left alone.
    pub async fn save_draft(
        &self,
        citizen: &CitizenAccess,
        service: &ServiceDescription,
        application_id: &str,
        values: &FormValues,
    ) -> Result<(), AppError> {
        self.require_consent(citizen, service).await?;
        let json = serde_json::to_vec(values).map_err(internal("encoding a draft failed"))?;
        if json.len() > MAX_DRAFT_BYTES {
            return Err(AppError::FormInvalid {
                problems: Vec::new(),
            });
        }
        let record = DraftRecord {
            partner_id: citizen.partner_id.clone(),
            citizen_id: citizen.citizen_id.clone(),
            service_code: service.code.clone(),
            application_id: application_id.to_owned(),
            sealed_values: Some(self.seal(&json, &format!("draft:{application_id}"))?),
            updated_at: self.now_ms(),
        };
        self.storage
            .save_draft(&record)
            .await
            .map_err(internal("saving a draft failed"))?;
        Ok(())
    }

    async fn attachment_views(
        &self,
        application_id: &str,
    ) -> Result<Vec<AttachmentView>, AppError> {
        let stored = self
            .storage
            .attachments_of(application_id, false)
            .await
            .map_err(internal("reading attachments failed"))?;
        stored
            .into_iter()
            .map(|a| {
                let name = self.open(&a.sealed_name, &format!("attachment-name:{}", a.id))?;
                Ok(AttachmentView {
                    id: a.id,
                    name: String::from_utf8_lossy(&name).into_owned(),
                    content_type: a.content_type,
                    size_bytes: u64::try_from(a.size_bytes).unwrap_or(0),
                })
            })
            .collect()
    }

    /// Attaches a file to the citizen's draft `application_id`: size, declared type and the
    /// file's own first bytes must all fit the form's rule; stored sealed.
    pub async fn attach(
        &self,
        citizen: &CitizenAccess,
        service: &ServiceDescription,
        application_id: &str,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<AttachmentView, AppError> {
        self.require_consent(citizen, service).await?;
        let draft = self.draft_record(citizen, service).await?;
        if draft.application_id != application_id {
            return Err(AppError::ApplicationNotFound);
        }
        let attached = self
            .storage
            .attachments_of(application_id, false)
            .await
            .map_err(internal("reading attachments failed"))?
            .len();
        // The browser's own checks, then the file's first bytes, which the browser cannot judge.
        let declared = content_type.split(';').next().unwrap_or_default().trim();
        let rule = &service.form.attachments;
        check_file(rule, attached, bytes.len() as f64, declared)?;
        if sniffed_type(bytes) != Some(declared) {
            return Err(AppError::AttachmentTypeNotAllowed);
        }
        let id = format!("att_{:024x}", rand::random::<u128>() >> 32);
        let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
        let record = AttachmentRecord {
            id: id.clone(),
            application_id: application_id.to_owned(),
            partner_id: citizen.partner_id.clone(),
            citizen_id: citizen.citizen_id.clone(),
            sealed_name: self.seal(name.as_bytes(), &format!("attachment-name:{id}"))?,
            content_type: declared.to_owned(),
            size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            sealed_content: self.seal(bytes, &format!("attachment:{id}"))?,
            created_at: self.now_ms(),
        };
        self.storage
            .add_attachment(&record)
            .await
            .map_err(internal("storing an attachment failed"))?;
        Ok(AttachmentView {
            id,
            name,
            content_type: record.content_type,
            size_bytes: bytes.len() as u64,
        })
    }

    /// The submission of `application_id` if it is this citizen's.
    async fn own_submission(
        &self,
        citizen: &CitizenAccess,
        application_id: &str,
    ) -> Result<Option<SubmissionRecord>, AppError> {
        let found = self
            .storage
            .submission(application_id)
            .await
            .map_err(internal("reading an application failed"))?;
        Ok(found.filter(|s| {
            s.application.partner_id == citizen.partner_id && s.citizen_id == citizen.citizen_id
        }))
    }

    async fn receipt(&self, submission: &SubmissionRecord) -> Result<Receipt, AppError> {
        Ok(Receipt {
            application_id: submission.application.id.clone(),
            service_code: submission.application.service_code.clone(),
            timeline: self.timeline_after(&submission.application.id, 0).await?,
        })
    }

    /// Statuses after `after_seq`, without checking whose the application is: for a stream
    /// whose owner was checked when it opened.
    pub async fn timeline_after(
        &self,
        application_id: &str,
        after_seq: i64,
    ) -> Result<Vec<StatusView>, AppError> {
        let entries = self
            .storage
            .status_history(application_id, after_seq)
            .await
            .map_err(internal("reading a timeline failed"))?;
        Ok(entries.iter().map(status_view).collect())
    }

    /// Accepts the citizen's application: checks consent and every answer again, stores it
    /// sealed with its forwarding row and first status in one transaction, and answers the
    /// application number at once. Submitting the same application again answers the same
    /// receipt and files nothing new.
    pub async fn submit(
        &self,
        citizen: &CitizenAccess,
        service: &ServiceDescription,
        application_id: &str,
        values: &FormValues,
    ) -> Result<Receipt, AppError> {
        if let Some(existing) = self.own_submission(citizen, application_id).await? {
            return self.receipt(&existing).await;
        }
        self.require_consent(citizen, service).await?;
        let draft = self.draft_record(citizen, service).await?;
        if draft.application_id != application_id {
            return Err(AppError::ApplicationNotFound);
        }
        let valid = service
            .form
            .validate(values, self.today()?)
            .map_err(|problems| AppError::FormInvalid {
                problems: problems.problems,
            })?;
        let attachments = self.attachment_views(application_id).await?;
        if attachments.len() > usize::from(service.form.attachments.max_files) {
            return Err(AppError::AttachmentsTooMany);
        }
        // Filed with the citizen's ESIA token, kept (and renewed) with their sign-in.
        self.storage
            .citizen_link(&citizen.partner_id, &citizen.citizen_id)
            .await
            .map_err(internal("reading a citizen link failed"))?
            .ok_or(AppError::SigninExpired)?;
        let form = SealedForm {
            version: valid.version(),
            values: valid
                .into_values()
                .into_iter()
                .map(|v| (v.name, v.value))
                .collect(),
            attachment_ids: attachments.into_iter().map(|a| a.id).collect(),
        };
        let form = serde_json::to_vec(&form).map_err(internal("encoding an application failed"))?;
        let now = self.now_ms();
        let region = match &service.regions {
            RegionRule::AllRussia => DEFAULT_REGION.to_owned(),
            RegionRule::Regions { okato_prefixes, .. } => okato_prefixes
                .first()
                .map(|prefix| format!("{prefix:0<11}"))
                .unwrap_or_else(|| DEFAULT_REGION.to_owned()),
        };
        let submission = SubmissionRecord {
            application: ApplicationRecord {
                id: application_id.to_owned(),
                partner_id: citizen.partner_id.clone(),
                mode: citizen.mode.as_str().to_owned(),
                service_code: service.code.clone(),
                status_code: FORWARDING.id as i32,
                created_at: now,
                updated_at: now,
            },
            citizen_id: citizen.citizen_id.clone(),
            consent_id: citizen.consent_id.clone(),
            region,
            sealed_form: self.seal(&form, &format!("form:{application_id}"))?,
            order_id: None,
            state: SubmissionState::Pending,
            attempts: 0,
            next_attempt_at: Some(now),
            last_error: None,
        };
        let first = StatusEntryRecord {
            seq: 1,
            status_code: FORWARDING.id as i32,
            portal_entry_id: None,
            comment: String::new(),
            at: now,
        };
        let event = self.outbox.event(
            &citizen.partner_id,
            citizen.mode,
            "application.submitted",
            json!({ "application_id": application_id, "service_code": service.code, "status_code": FORWARDING.id }),
        );
        let created = self
            .storage
            .submit_application(&submission, &first, &event)
            .await
            .map_err(internal("storing an application failed"))?;
        if created {
            // Filing is processing of personal data: its record is durable before the answer.
            self.audit
                .record(AuditEvent::new(
                    format!("citizen:{}", citizen.citizen_id),
                    "application.submit",
                    application_id.to_owned(),
                    Outcome::Ok,
                ))
                .await
                .map_err(internal("auditing an application failed"))?;
            self.outbox.wake();
            self.wake.notify_one();
        }
        let stored = self
            .own_submission(citizen, application_id)
            .await?
            .ok_or(AppError::Internal)?;
        self.receipt(&stored).await
    }

    /// The citizen's newest application for the service, with its timeline.
    pub async fn latest(
        &self,
        citizen: &CitizenAccess,
        service_code: &str,
    ) -> Result<Option<Receipt>, AppError> {
        let latest = self
            .storage
            .latest_submission(&citizen.partner_id, &citizen.citizen_id, service_code)
            .await
            .map_err(internal("reading applications failed"))?;
        match latest {
            Some(submission) => Ok(Some(self.receipt(&submission).await?)),
            None => Ok(None),
        }
    }

    /// Statuses after `after_seq`, for the citizen's own application.
    pub async fn timeline(
        &self,
        citizen: &CitizenAccess,
        application_id: &str,
        after_seq: i64,
    ) -> Result<Vec<StatusView>, AppError> {
        self.own_submission(citizen, application_id)
            .await?
            .ok_or(AppError::ApplicationNotFound)?;
        self.timeline_after(application_id, after_seq).await
    }

    /// Stores the citizen's rating and comment on an application that reached a final status;
    /// once per application. The partner reads it through `/feedback/get`.
    pub async fn leave_feedback(
        &self,
        citizen: &CitizenAccess,
        application_id: &str,
        rating: u8,
        comment: &str,
    ) -> Result<(), AppError> {
        let comment = comment.trim();
        if !(1..=5).contains(&rating)
            || comment.chars().count() > app::applications::MAX_FEEDBACK_CHARS
        {
            return Err(AppError::FeedbackInvalid);
        }
        let submission = self
            .own_submission(citizen, application_id)
            .await?
            .ok_or(AppError::ApplicationNotFound)?;
        let status = u32::try_from(submission.application.status_code).unwrap_or(u32::MAX);
        if !statuses::is_final(status) {
            return Err(AppError::FeedbackNotAllowed);
        }
        let record = FeedbackRecord {
            id: format!("fb_{:024x}", rand::random::<u128>() >> 32),
            application_id: application_id.to_owned(),
            partner_id: citizen.partner_id.clone(),
            rating: i32::from(rating),
            comment: comment.to_owned(),
            created_at: self.now_ms(),
        };
        let event = self.outbox.event(
            &citizen.partner_id,
            citizen.mode,
            "feedback.created",
            json!({ "feedback_id": record.id, "application_id": application_id, "rating": rating }),
        );
        match self.storage.add_feedback(&record, &[event]).await {
            Ok(()) => {}
            Err(error) if error.is_unique_violation() => return Err(AppError::FeedbackNotAllowed),
            Err(error) => return Err(internal("storing feedback failed")(error)),
        }
        self.outbox.wake();
        Ok(())
    }
}
