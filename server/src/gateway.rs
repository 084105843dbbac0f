//! The checks every Partner API request passes, on its raw bytes, before anything is forwarded:
//! blocks and rates, the RFC 9421 signature with its key and nonce, the partner's networks.

pub mod anomaly;
pub mod limits;
pub mod network;

use std::{net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use app::partner::Mode;
use http::{StatusCode, request::Parts};

use crate::{
    audit::{AuditEvent, AuditLog, Outcome},
    clock::{SharedClock, unix_millis},
    config::Settings,
    partners::{Partners, keys::KeyRefusal},
    signatures::{self, Policy, SignatureError},
    storage::SharedStorage,
};
use anomaly::{Anomalies, AnomalyRules};
use limits::RateLimits;
use network::{NetworkError, TrustedProxies};

/// A request that passed every check: who sent it, with which key, in which mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub partner_id: String,
    pub key_id: String,
    /// Test keys reach only the sandbox, live keys only the live portal.
    pub mode: Mode,
    pub client_ip: IpAddr,
}

/// Why a request was refused: the answer to send, and who to blame in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds to wait, for `Retry-After`.
    pub retry_after: Option<u64>,
    pub client_ip: IpAddr,
    /// The `keyid` the request named, when it got that far.
    pub key_id: Option<String>,
}

/// The check pipeline and what it remembers between requests.
pub struct Gateway {
    partners: Arc<Partners>,
    storage: SharedStorage,
    audit: AuditLog,
    clock: SharedClock,
    policy: Policy,
    proxies: TrustedProxies,
    limits: RateLimits,
    anomalies: Anomalies,
}

fn per_minute(value: u32) -> NonZeroU32 {
    NonZeroU32::new(value).unwrap_or(NonZeroU32::MIN)
}

fn wait_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

impl Gateway {
    pub fn new(
        settings: &Settings,
        partners: Arc<Partners>,
        storage: SharedStorage,
        audit: AuditLog,
        clock: SharedClock,
    ) -> Result<Self, NetworkError> {
        Ok(Gateway {
            partners,
            storage,
            audit,
            clock,
            policy: Policy {
                max_window: signatures::MAX_WINDOW_SECONDS,
                skew: settings.signature_skew_seconds,
            },
            proxies: TrustedProxies::parse(&settings.trusted_proxies)?,
            limits: RateLimits::new(
                per_minute(settings.rate_limit_partner_per_minute),
                per_minute(settings.rate_limit_ip_per_minute),
            ),
            anomalies: Anomalies::new(AnomalyRules {
                failure_limit: settings.anomaly_failure_limit.max(1),
                window_ms: settings.anomaly_window_seconds.max(1) * 1_000,
                block_ms: settings.anomaly_block_seconds.max(1) * 1_000,
            }),
        })
    }

    /// The client's address as okno believes it (see [`TrustedProxies::client_ip`]).
    pub fn client_ip(&self, peer: IpAddr, headers: &http::HeaderMap) -> IpAddr {
        self.proxies.client_ip(peer, headers)
    }

    /// Runs every check in order; the first that fails answers.
    pub async fn check(&self, parts: &Parts, body: &[u8], peer: IpAddr) -> Result<Caller, Refusal> {
        let client_ip = self.client_ip(peer, &parts.headers);
        let now_ms = unix_millis(self.clock.now());
        let refuse = |status, code, message: String, key_id: Option<&str>| Refusal {
            status,
            code,
            message,
            retry_after: None,
            client_ip,
            key_id: key_id.map(str::to_owned),
        };

        let internal = |key_id: Option<&str>| {
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "okno could not check this request; try again later.".to_owned(),
                key_id,
            )
        };

        let ip_subject = format!("ip:{client_ip}");
        self.not_blocked(&ip_subject, now_ms, client_ip, None)?;
        self.limits.check_ip(client_ip).map_err(|wait| Refusal {
            retry_after: Some(wait_seconds(wait)),
            ..refuse(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests from this address; wait as Retry-After says.".to_owned(),
                None,
            )
        })?;

        let signed =
            signatures::inspect(parts, body, now_ms / 1_000, &self.policy).map_err(|error| {
                self.failure(
                    &[&ip_subject],
                    now_ms,
                    signature_refusal(&error, client_ip, None),
                )
            })?;
        let key_id = signed.key_id.clone();
        let key_subject = format!("key:{key_id}");
        self.not_blocked(&key_subject, now_ms, client_ip, Some(&key_id))?;
        let subjects = [ip_subject.as_str(), key_subject.as_str()];

        let (record, key) = match self.partners.verifying_key(&key_id, now_ms).await {
            Ok(found) => found,
            Err(KeyRefusal::Internal) => return Err(internal(Some(&key_id))),
            Err(refusal) => {
                let status = StatusCode::UNAUTHORIZED;
                let refusal = refuse(status, refusal.code(), refusal.to_string(), Some(&key_id));
                return Err(self.failure(&subjects[..1], now_ms, refusal));
            }
        };
        signed.verify(&key).map_err(|error| {
            self.failure(
                &subjects,
                now_ms,
                signature_refusal(&error, client_ip, Some(&key_id)),
            )
        })?;

        // Only a verified request may spend a nonce, so nobody can burn a partner's nonces.
        let keep_until = (signed.expires + 2 * self.policy.skew) * 1_000;
        let fresh = self
            .storage
            .remember_nonce(&key_id, &signed.nonce, keep_until)
            .await
            .map_err(|error| {
                tracing::error!(%error, "nonce store failed");
                internal(Some(&key_id))
            })?;
        if !fresh {
            let refusal = refuse(
                StatusCode::UNAUTHORIZED,
                "nonce_replayed",
                "This nonce was already used with this key; sign every request with a new nonce."
                    .to_owned(),
                Some(&key_id),
            );
            return Err(self.failure(&subjects, now_ms, refusal));
        }

        let partner = self
            .storage
            .find_partner(&record.partner_id)
            .await
            .map_err(|error| tracing::error!(%error, "partner lookup failed"))
            .ok()
            .flatten()
            .ok_or_else(|| internal(Some(&key_id)))?;
        // A stored list that no longer parses must not mean "anywhere": fail closed.
        let networks = network::parse_networks(&partner.networks).map_err(|error| {
            tracing::error!(partner = %partner.id, %error, "stored networks do not parse");
            internal(Some(&key_id))
        })?;
        if !network::allowed(&networks, client_ip) {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                "ip_not_allowed",
                format!(
                    "Calls from {client_ip} are not allowed for this partner; add the address to its allow-list."
                ),
                Some(&key_id),
            ));
        }
        self.limits
            .check_partner(&partner.id)
            .map_err(|wait| Refusal {
                retry_after: Some(wait_seconds(wait)),
                ..refuse(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "This partner is over its request rate; wait as Retry-After says.".to_owned(),
                    Some(&key_id),
                )
            })?;
        Ok(Caller {
            partner_id: partner.id,
            key_id,
            mode: record.mode,
            client_ip,
        })
    }

    fn not_blocked(
        &self,
        subject: &str,
        now_ms: i64,
        client_ip: IpAddr,
        key_id: Option<&str>,
    ) -> Result<(), Refusal> {
        match self.anomalies.blocked_until(subject, now_ms) {
            None => Ok(()),
            Some(until) => Err(Refusal {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: "blocked_suspicious",
                message: "Too many failed requests; calls are blocked for a while. Check your signing code, then wait as Retry-After says.".to_owned(),
                retry_after: Some(u64::try_from((until - now_ms + 999) / 1_000).unwrap_or(1)),
                client_ip,
                key_id: key_id.map(str::to_owned),
            }),
        }
    }

    /// Counts a failure against each subject; a subject crossing the limit is blocked, and the
    /// block is alerted (stored for the operator, audited, logged).
    fn failure(&self, subjects: &[&str], now_ms: i64, refusal: Refusal) -> Refusal {
        for subject in subjects {
            if let Some(until) = self.anomalies.note_failure(subject, now_ms) {
                self.raise_alert(subject, now_ms, until, refusal.code);
            }
        }
        refusal
    }

    fn raise_alert(&self, subject: &str, now_ms: i64, until: i64, last_code: &str) {
        tracing::warn!(
            subject,
            until,
            last_code,
            "anomaly: burst of failed requests, blocked"
        );
        let mut event = AuditEvent::new(
            "okno:anomaly",
            "security.block",
            subject,
            Outcome::Refused("blocked_suspicious".to_owned()),
        );
        event.client_ip = subject.strip_prefix("ip:").map(str::to_owned);
        self.audit.record_later(event);
        let storage = self.storage.clone();
        let (subject, detail) = (
            subject.to_owned(),
            format!("burst of failures, last: {last_code}"),
        );
        tokio::spawn(async move {
            if let Err(error) = storage
                .raise_alert(now_ms, "failure_burst", &subject, until, &detail)
                .await
            {
                tracing::error!(%error, "alert not stored");
            }
        });
    }

    /// Counts a failed operation of a subject outside the signature checks (e.g. a refused
    /// submission by a citizen); true when the subject is now blocked.
    pub fn note_failure(&self, subject: &str) -> bool {
        let now_ms = unix_millis(self.clock.now());
        if let Some(until) = self.anomalies.note_failure(subject, now_ms) {
            self.raise_alert(subject, now_ms, until, "failure");
        }
        self.anomalies.blocked_until(subject, now_ms).is_some()
    }

    /// Lets go of the memory of idle callers (run periodically).
    pub fn forget_idle(&self) {
        self.limits.forget_idle();
        self.anomalies.forget_idle(unix_millis(self.clock.now()));
    }
}

fn signature_refusal(error: &SignatureError, client_ip: IpAddr, key_id: Option<&str>) -> Refusal {
    Refusal {
        status: StatusCode::UNAUTHORIZED,
        code: error.code(),
        message: error.to_string(),
        retry_after: None,
        client_ip,
        key_id: key_id.map(str::to_owned),
    }
}
