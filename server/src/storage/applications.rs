//! The citizen flow's records and the part of the storage trait that keeps them: citizens'
//! links, drafts, attachments, submissions (the forwarding outbox) and status histories.

use super::{ApplicationRecord, ConsentRecord, StorageError, WebhookEvent};

/// A citizen signed in through a partner: the sealed ESIA profile and portal token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenLinkRecord {
    pub partner_id: String,
    pub citizen_id: String,
    pub mode: String,
    pub sealed_profile: String,
    pub sealed_portal_token: String,
    pub sealed_portal_refresh_token: String,
    pub portal_token_expires_at: i64,
    pub updated_at: i64,
}

/// A form being filled; `sealed_values` is `None` until the first answer is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftRecord {
    pub partner_id: String,
    pub citizen_id: String,
    pub service_code: String,
    pub application_id: String,
    pub sealed_values: Option<String>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRecord {
    pub id: String,
    pub application_id: String,
    pub partner_id: String,
    pub citizen_id: String,
    pub sealed_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sealed_content: String,
    pub created_at: i64,
}

/// Where a submitted application is on its way to the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionState {
    /// Not yet on the portal: forwarding is due at `next_attempt_at`.
    Pending,
    /// On the portal: its status is read again at `next_attempt_at`.
    Tracking,
    /// A final status arrived.
    Closed,
    /// The portal would not take it.
    Refused,
}

impl SubmissionState {
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionState::Pending => "pending",
            SubmissionState::Tracking => "tracking",
            SubmissionState::Closed => "closed",
            SubmissionState::Refused => "refused",
        }
    }

    pub fn parse(text: &str) -> Result<Self, StorageError> {
        match text {
            "pending" => Ok(SubmissionState::Pending),
            "tracking" => Ok(SubmissionState::Tracking),
            "closed" => Ok(SubmissionState::Closed),
            "refused" => Ok(SubmissionState::Refused),
            other => Err(StorageError::Inconsistent(format!(
                "unknown submission state {other}"
            ))),
        }
    }
}

/// A submitted application's sealed content and its forwarding state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionRecord {
    pub application: ApplicationRecord,
    pub citizen_id: String,
    pub consent_id: String,
    pub region: String,
    pub sealed_form: String,
    pub order_id: Option<i64>,
    pub state: SubmissionState,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
}

/// One status in an application's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntryRecord {
    pub seq: i64,
    pub status_code: i32,
    pub portal_entry_id: Option<i64>,
    pub comment: String,
    pub at: i64,
}

/// How a forwarding or tracking step ended, to store in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionProgress {
    pub state: SubmissionState,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    /// New statuses (their `seq` is assigned on insert), oldest first.
    pub new_statuses: Vec<StatusEntryRecord>,
    /// The partner's webhooks about them, queued in the same transaction.
    pub events: Vec<WebhookEvent>,
    pub now: i64,
}

#[async_trait::async_trait]
pub trait ApplicationStore: Send + Sync + 'static {
    /// Creates or replaces the citizen's link with the partner.
    async fn upsert_citizen_link(&self, link: &CitizenLinkRecord) -> Result<(), StorageError>;
    async fn citizen_link(
        &self,
        partner_id: &str,
        citizen_id: &str,
    ) -> Result<Option<CitizenLinkRecord>, StorageError>;
    /// Replaces the link's portal tokens after a renewal, only if `previous_token` (sealed) is
    /// still the one stored; false when someone renewed (or signed in) first.
    async fn renew_portal_tokens(
        &self,
        link: &CitizenLinkRecord,
        previous_token: &str,
    ) -> Result<bool, StorageError>;
    /// The citizen's newest consent for the service that is not withdrawn.
    async fn active_consent(
        &self,
        partner_id: &str,
        citizen_id: &str,
        service_code: &str,
    ) -> Result<Option<ConsentRecord>, StorageError>;
    /// The draft, creating an empty one under `new_application_id` when there is none.
    async fn open_draft(
        &self,
        partner_id: &str,
        citizen_id: &str,
        service_code: &str,
        new_application_id: &str,
        now: i64,
    ) -> Result<DraftRecord, StorageError>;
    /// Saves the answers of an open draft; false when the draft is gone (submitted).
    async fn save_draft(&self, draft: &DraftRecord) -> Result<bool, StorageError>;
    async fn add_attachment(&self, attachment: &AttachmentRecord) -> Result<(), StorageError>;
    /// The files attached to a draft or application, oldest first; their sealed contents only
    /// when `contents` (what the forwarder sends), else empty (lists and counts).
    async fn attachments_of(
        &self,
        application_id: &str,
        contents: bool,
    ) -> Result<Vec<AttachmentRecord>, StorageError>;
    /// Stores an application, its submission, its first status and the partner's webhook
    /// about it, and deletes its draft, all or nothing; false (nothing written) when an
    /// application with that id exists.
    async fn submit_application(
        &self,
        submission: &SubmissionRecord,
        first_status: &StatusEntryRecord,
        event: &WebhookEvent,
    ) -> Result<bool, StorageError>;
    async fn submission(
        &self,
        application_id: &str,
    ) -> Result<Option<SubmissionRecord>, StorageError>;
    /// Submissions in `state` whose next attempt is due at `now`, oldest due first.
    async fn due_submissions(
        &self,
        state: SubmissionState,
        now: i64,
        limit: i64,
    ) -> Result<Vec<SubmissionRecord>, StorageError>;
    async fn set_order_id(&self, application_id: &str, order_id: i64) -> Result<(), StorageError>;
    /// Records a forwarding or tracking step; the application's status becomes the newest of
    /// `new_statuses`. Answers the stored entries with their `seq`.
    async fn record_progress(
        &self,
        application_id: &str,
        progress: &SubmissionProgress,
    ) -> Result<Vec<StatusEntryRecord>, StorageError>;
    /// The application's statuses with `seq > after_seq`, in order.
    async fn status_history(
        &self,
        application_id: &str,
        after_seq: i64,
    ) -> Result<Vec<StatusEntryRecord>, StorageError>;
    /// Destroys personal data okno no longer needs, as the consent text promises: the answers,
    /// files and portal comments of applications whose final status is older than `before`,
    /// drafts (with their files) untouched since `before`, and sign-ins no open application
    /// needs that are older than `before`. Ids and statuses stay. Answers how many
    /// applications, drafts and sign-ins were cleared.
    async fn purge_personal_data(&self, before: i64) -> Result<(u64, u64, u64), StorageError>;
    /// The citizen's newest application through the partner for the service.
    async fn latest_submission(
        &self,
        partner_id: &str,
        citizen_id: &str,
        service_code: &str,
    ) -> Result<Option<SubmissionRecord>, StorageError>;
}
