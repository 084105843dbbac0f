//! The webhook outbox: events are stored beside the change that caused them, then a worker
//! delivers them (a few at a time), retrying on the schedule for up to three days; a 410 disables
//! the endpoint; every attempt is logged for the partner and audited. Endpoints are registered
//! and their secrets rotated here.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use app::partner::Mode;
use serde_json::{Value, json};
use tokio::sync::{Notify, Semaphore};

use super::{
    delivery::{self, AttemptOutcome},
    schedule,
    signing::{self, WebhookSecret},
    target,
};
use crate::{
    audit::{AuditEvent, AuditLog, Outcome},
    clock::{SharedClock, unix_millis},
    partner_api::{Refusal, RefusalKind},
    sealing::Sealer,
    storage::{
        SharedStorage, StorageError, WebhookAttemptRecord, WebhookDeliveryRecord,
        WebhookEndpointRecord, WebhookEvent,
    },
};

/// The events okno sends.
pub const EVENT_TYPES: [&str; 5] = [
    "application.submitted",
    "application.status_changed",
    "consent.revoked",
    "feedback.created",
    "integration.suspended",
];

/// Deliveries in flight at once, per okno process.
const CONCURRENT_DELIVERIES: usize = 8;
/// How often the worker looks for due retries when nothing wakes it.
const POLL: Duration = Duration::from_secs(1);

pub struct Outbox {
    storage: SharedStorage,
    sealer: Arc<Sealer>,
    clock: SharedClock,
    audit: AuditLog,
    wake: Notify,
    in_flight: Mutex<HashSet<String>>,
}

/// An endpoint just registered or re-keyed: the secret is shown this once.
pub struct RegisteredEndpoint {
    pub endpoint: WebhookEndpointRecord,
    pub secret: String,
}

impl Outbox {
    pub fn new(
        storage: SharedStorage,
        sealer: Arc<Sealer>,
        clock: SharedClock,
        audit: AuditLog,
    ) -> Self {
        Outbox {
            storage,
            sealer,
            clock,
            audit,
            wake: Notify::new(),
            in_flight: Mutex::new(HashSet::new()),
        }
    }

    fn in_flight(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The event `event_type` with `data` as it will be delivered, stamped now: to queue on its
    /// own ([`Outbox::enqueue`]) or in the transaction of the change it reports (then
    /// [`Outbox::wake`] after the commit).
    pub fn event(
        &self,
        partner_id: &str,
        mode: Mode,
        event_type: &str,
        data: Value,
    ) -> WebhookEvent {
        let now = self.clock.now();
        let payload = json!({
            "type": event_type,
            "timestamp": now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            "data": data,
        });
        WebhookEvent {
            partner_id: partner_id.to_owned(),
            mode: mode.as_str().to_owned(),
            event_type: event_type.to_owned(),
            payload: payload.to_string(),
            at: unix_millis(now),
        }
    }

    /// Queues `event_type` with `data` for the partner's subscribed endpoints of `mode`.
    pub async fn enqueue(
        &self,
        partner_id: &str,
        mode: Mode,
        event_type: &str,
        data: Value,
    ) -> Result<Vec<String>, StorageError> {
        let event = self.event(partner_id, mode, event_type, data);
        let ids = self.storage.enqueue_webhook_event(&event).await?;
        if !ids.is_empty() {
            self.wake();
        }
        Ok(ids)
    }

    /// Tells the worker that deliveries were queued.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Registers an endpoint. Live endpoints must be public https URLs; test endpoints may be
    /// on loopback or private networks (a partner's development machine).
    pub async fn register(
        &self,
        partner_id: &str,
        mode: Mode,
        url: &str,
        event_types: &[String],
    ) -> Result<RegisteredEndpoint, Refusal> {
        let checked = target::check_url(url, mode == Mode::Test)
            .map_err(|error| Refusal::invalid(error.code(), "url", error.to_string()))?;
        if event_types.is_empty() {
            return Err(Refusal::invalid(
                "field_empty",
                "event_types",
                "Subscribe to at least one event type.",
            ));
        }
        for (i, event) in event_types.iter().enumerate() {
            if !EVENT_TYPES.contains(&event.as_str()) {
                return Err(Refusal::invalid(
                    "unknown_event_type",
                    format!("event_types[{i}]"),
                    format!(
                        "No event type {event:?}; the types are {}.",
                        EVENT_TYPES.join(", ")
                    ),
                ));
            }
        }
        let secret = WebhookSecret::generate();
        let id = format!("whe_{:024x}", rand::random::<u128>() >> 32);
        let endpoint = WebhookEndpointRecord {
            sealed_secret: self
                .sealer
                .seal(secret.reveal().as_bytes(), &id)
                .map_err(internal)?,
            id,
            partner_id: partner_id.to_owned(),
            mode: mode.as_str().to_owned(),
            url: checked.to_string(),
            event_types: event_types.join(" "),
            sealed_previous_secret: None,
            previous_secret_until: None,
            disabled_at: None,
            disabled_reason: None,
            created_at: unix_millis(self.clock.now()),
        };
        self.storage.create_webhook_endpoint(&endpoint).await?;
        Ok(RegisteredEndpoint {
            endpoint,
            secret: secret.reveal(),
        })
    }

    /// The partner's endpoint `id`, or 404.
    pub async fn endpoint(
        &self,
        partner_id: &str,
        id: &str,
    ) -> Result<WebhookEndpointRecord, Refusal> {
        match self.storage.webhook_endpoint(id).await? {
            Some(endpoint) if endpoint.partner_id == partner_id => Ok(endpoint),
            _ => Err(Refusal {
                kind: RefusalKind::NotFound,
                code: "webhook_endpoint_unknown",
                message: format!("No webhook endpoint {id:?} of yours."),
                field: None,
            }),
        }
    }

    /// A new secret; messages are signed with both until `overlap` has passed.
    pub async fn rotate_secret(
        &self,
        partner_id: &str,
        id: &str,
        overlap: time::Duration,
    ) -> Result<RegisteredEndpoint, Refusal> {
        let mut endpoint = self.endpoint(partner_id, id).await?;
        let secret = WebhookSecret::generate();
        let sealed = self
            .sealer
            .seal(secret.reveal().as_bytes(), id)
            .map_err(internal)?;
        let until = unix_millis(self.clock.now())
            + i64::try_from(overlap.whole_milliseconds()).unwrap_or(0);
        self.storage
            .rotate_webhook_secret(id, &sealed, &endpoint.sealed_secret, until)
            .await?;
        endpoint.sealed_previous_secret = Some(endpoint.sealed_secret.clone());
        endpoint.sealed_secret = sealed;
        endpoint.previous_secret_until = Some(until);
        Ok(RegisteredEndpoint {
            endpoint,
            secret: secret.reveal(),
        })
    }

    /// The partner's endpoints of `mode`, oldest first.
    pub async fn endpoints(
        &self,
        partner_id: &str,
        mode: Mode,
    ) -> Result<Vec<WebhookEndpointRecord>, Refusal> {
        let all = self.storage.webhook_endpoints(partner_id).await?;
        Ok(all
            .into_iter()
            .filter(|e| e.mode == mode.as_str())
            .collect())
    }

    /// The newest deliveries to the partner's endpoint `id`, each with its attempts.
    pub async fn delivery_log(
        &self,
        partner_id: &str,
        id: &str,
    ) -> Result<Vec<(WebhookDeliveryRecord, Vec<WebhookAttemptRecord>)>, Refusal> {
        let endpoint = self.endpoint(partner_id, id).await?;
        Ok(self.storage.webhook_deliveries(&endpoint.id, 100).await?)
    }

    /// Sends a delivery again now (after the partner fixed its receiver).
    pub async fn redeliver(
        &self,
        partner_id: &str,
        endpoint_id: &str,
        delivery_id: &str,
    ) -> Result<(), Refusal> {
        let endpoint = self.endpoint(partner_id, endpoint_id).await?;
        let now = unix_millis(self.clock.now());
        if !self
            .storage
            .redeliver_webhook(&endpoint.id, delivery_id, now)
            .await?
        {
            return Err(Refusal {
                kind: RefusalKind::NotFound,
                code: "webhook_delivery_unknown",
                message: format!("No delivery {delivery_id:?} for this endpoint."),
                field: None,
            });
        }
        self.wake.notify_one();
        Ok(())
    }

    /// Delivers due messages until the process stops.
    pub async fn run(self: Arc<Self>) {
        let slots = Arc::new(Semaphore::new(CONCURRENT_DELIVERIES));
        loop {
            let now = unix_millis(self.clock.now());
            match self.storage.due_webhook_deliveries(now, 64).await {
                Ok(due) => {
                    for delivery in due {
                        if !self.in_flight().insert(delivery.id.clone()) {
                            continue;
                        }
                        let Ok(permit) = slots.clone().acquire_owned().await else {
                            return;
                        };
                        let outbox = self.clone();
                        tokio::spawn(async move {
                            let id = delivery.id.clone();
                            outbox.deliver(delivery).await;
                            outbox.in_flight().remove(&id);
                            drop(permit);
                            outbox.wake.notify_one();
                        });
                    }
                }
                Err(error) => tracing::warn!(%error, "reading the webhook outbox failed"),
            }
            let _ = tokio::time::timeout(POLL, self.wake.notified()).await;
        }
    }

    fn secrets(
        &self,
        endpoint: &WebhookEndpointRecord,
        now: i64,
    ) -> Result<Vec<WebhookSecret>, String> {
        let open = |sealed: &str| {
            self.sealer
                .open(sealed, &endpoint.id)
                .map_err(|e| e.to_string())
                .and_then(|bytes| String::from_utf8(bytes).map_err(|e| e.to_string()))
                .and_then(|text| WebhookSecret::parse(&text).map_err(|e| e.to_string()))
        };
        let mut secrets = vec![open(&endpoint.sealed_secret)?];
        if let (Some(previous), Some(until)) = (
            &endpoint.sealed_previous_secret,
            endpoint.previous_secret_until,
        ) && until > now
        {
            secrets.push(open(previous)?);
        }
        Ok(secrets)
    }

    /// One attempt at one delivery, and what follows from it.
    async fn deliver(&self, delivery: WebhookDeliveryRecord) {
        let Ok(Some(endpoint)) = self.storage.webhook_endpoint(&delivery.endpoint_id).await else {
            return;
        };
        let now = unix_millis(self.clock.now());
        let number = delivery.attempts + 1;
        let allow_private = endpoint.mode == Mode::Test.as_str();
        let result = async {
            let url = target::check_url(&endpoint.url, allow_private).map_err(|e| e.to_string())?;
            let addrs = target::resolve_public(&url, allow_private)
                .await
                .map_err(|e| e.to_string())?;
            let client = delivery::client_for(&url, &addrs).map_err(|e| e.to_string())?;
            let secrets = self.secrets(&endpoint, now)?;
            let timestamp = now / 1_000;
            let signature = signing::sign(
                &secrets,
                &delivery.id,
                timestamp,
                delivery.payload.as_bytes(),
            );
            let headers = signing::headers(&delivery.id, timestamp, &signature);
            Ok::<_, String>(
                delivery::attempt(&client, &url, &headers, delivery.payload.clone()).await,
            )
        }
        .await;
        let (status_code, latency_ms, outcome, error) = match result {
            Ok(attempt) => (
                attempt.status.map(i64::from),
                i64::try_from(attempt.latency_ms).unwrap_or(i64::MAX),
                attempt.outcome,
                attempt.error,
            ),
            Err(error) => (None, 0, AttemptOutcome::Failed, Some(error)),
        };
        let (state, next, word) = match outcome {
            AttemptOutcome::Delivered => ("delivered", None, "delivered"),
            AttemptOutcome::Gone => ("gone", None, "gone"),
            AttemptOutcome::Failed => {
                let attempt_number = u32::try_from(number).unwrap_or(u32::MAX);
                match schedule::next_attempt_at(
                    delivery.created_at,
                    attempt_number,
                    now,
                    &mut rand::rng(),
                ) {
                    Some(at) => ("pending", Some(at), "failed"),
                    None => ("failed", None, "failed"),
                }
            }
        };
        let record = WebhookAttemptRecord {
            delivery_id: delivery.id.clone(),
            attempt: number,
            at: now,
            status_code,
            latency_ms,
            outcome: word.to_owned(),
            error,
        };
        // Disabled first: whoever sees the delivery gone also sees its endpoint disabled.
        if outcome == AttemptOutcome::Gone
            && let Err(error) = self
                .storage
                .disable_webhook_endpoint(&endpoint.id, "the receiver answered 410 Gone", now)
                .await
        {
            tracing::error!(%error, endpoint = %endpoint.id, "webhook endpoint not disabled");
        }
        if let Err(error) = self
            .storage
            .record_webhook_attempt(&record, state, next)
            .await
        {
            tracing::error!(%error, delivery = %delivery.id, "webhook attempt not recorded");
        }
        let audited = match outcome {
            AttemptOutcome::Delivered => Outcome::Ok,
            AttemptOutcome::Gone => Outcome::Refused("webhook_gone".to_owned()),
            AttemptOutcome::Failed => Outcome::Failed(
                status_code
                    .map_or_else(|| "webhook_unreachable".to_owned(), |s| format!("http_{s}")),
            ),
        };
        let mut event = AuditEvent::new(
            format!("partner:{}", endpoint.partner_id),
            "webhook.deliver",
            delivery.id.clone(),
            audited,
        );
        event.request_id = Some(format!("{}#{number}", endpoint.id));
        self.audit.record_later(event);
    }
}

fn internal(error: crate::sealing::SealError) -> Refusal {
    tracing::error!(%error, "sealing a webhook secret failed");
    Refusal::new(
        RefusalKind::Internal,
        "internal_error",
        "okno could not complete this request; nothing was changed.",
    )
}
