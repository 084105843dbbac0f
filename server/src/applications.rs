//! Citizens' applications: drafts, attachments and submission (validated again, sealed, stored)
//! and the worker that forwards each to the portal through a durable outbox and follows its
//! statuses until a final one.
//!
//! Every step is stored before it is acted on: an application is accepted only once its sealed
//! content, its forwarding row and its first status are committed together, so a portal outage
//! delays it but never loses it. An order is created once per application (its id is stored
//! before the push), and a retried push first asks the portal whether the archive already
//! arrived, so a retry never files twice.

pub mod archive;

use std::{sync::Arc, time::Duration};

use app::{
    applications::{AttachmentView, Draft, Receipt, StatusView},
    error::AppError,
    services::{
        RegionRule, ServiceDescription,
        values::{CalendarDate, EASTERNMOST_RUSSIAN_UTC_OFFSET, FormValues},
    },
    statuses::{self, DRAFT, FORWARDING},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::{Notify, broadcast};

use crate::{
    audit::{AuditEvent, AuditLog, Outcome},
    clock::{SharedClock, rfc3339_millis, unix_millis},
    portal::{
        PortalClient, PortalError, Portals,
        wire::{Order, OrderMeta, PORTAL_TIME, PushMeta},
    },
    registry,
    sealing::Sealer,
    signin::SignIn,
    storage::{
        ApplicationRecord, AttachmentRecord, DraftRecord, FeedbackRecord, SharedStorage,
        StatusEntryRecord, SubmissionProgress, SubmissionRecord, SubmissionState, parse_mode,
    },
    tokens::CitizenAccess,
    webhooks::{outbox::Outbox, schedule},
};

/// Submissions forwarded or tracked per round of the worker.
const BATCH: i64 = 8;
/// How often the worker looks for due work when nothing wakes it.
const TICK: Duration = Duration::from_secs(1);
/// The largest saved draft (sealed answers), in bytes of JSON.
const MAX_DRAFT_BYTES: usize = 64 * 1024;
/// The region an application is filed in when the service is offered everywhere (Moscow's
/// OKATO); the portal routes federal services by the agency, not by this.
const DEFAULT_REGION: &str = "45000000000";
/// The portal status okno reports when the portal refused an application outright.
const PORTAL_REFUSED: u32 = 24;

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

fn internal<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> AppError {
    move |error| {
        tracing::error!(%error, "{what}");
        AppError::Internal
    }
}

/// How the timeline shows a stored status.
pub fn status_view(entry: &StatusEntryRecord) -> StatusView {
    let code = u32::try_from(entry.status_code).unwrap_or(u32::MAX);
    let known = statuses::describe(code);
    StatusView {
        seq: entry.seq,
        status_code: code,
        name_ru: known.map_or_else(|| format!("Статус {code}"), |s| s.name_ru.to_owned()),
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

/// Whether a failed portal call may succeed later (outage, overload) rather than never.
fn is_transient(error: &PortalError) -> bool {
    match error {
        PortalError::Timeout | PortalError::Unreachable(_) | PortalError::Malformed(_) => true,
        PortalError::Refused { status, .. } => {
            status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408
        }
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
        let rule = &service.form.attachments;
        if rule.max_files == 0 {
            return Err(AppError::AttachmentsTooMany);
        }
        if bytes.len() > rule.max_bytes_each as usize {
            return Err(AppError::AttachmentTooLarge);
        }
        let declared = content_type.split(';').next().unwrap_or_default().trim();
        if !rule.mime_types.iter().any(|t| t == declared) || sniffed_type(bytes) != Some(declared) {
            return Err(AppError::AttachmentTypeNotAllowed);
        }
        let draft = self.draft_record(citizen, service).await?;
        if draft.application_id != application_id {
            return Err(AppError::ApplicationNotFound);
        }
        let existing = self.attachment_views(application_id).await?;
        if existing.len() >= usize::from(rule.max_files) {
            return Err(AppError::AttachmentsTooMany);
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

    /// The citizen's application: its receipt with the whole timeline.
    pub async fn application(
        &self,
        citizen: &CitizenAccess,
        application_id: &str,
    ) -> Result<Receipt, AppError> {
        let submission = self
            .own_submission(citizen, application_id)
            .await?
            .ok_or(AppError::ApplicationNotFound)?;
        self.receipt(&submission).await
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
        if !statuses::describe(status).is_some_and(|s| s.is_final) {
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
        let closed = new_statuses.iter().any(|s| {
            statuses::find(u32::try_from(s.status_code).unwrap_or(u32::MAX))
                .is_some_and(|s| s.is_final)
        });
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
