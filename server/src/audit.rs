//! The audit log: every operation becomes a hash-chained record (time, actor, action, target,
//! outcome with its error code, request id, client IP). Appends are batched — one transaction
//! for all records waiting (group commit) — and a state-changing operation is answered only
//! once its record is durable.

pub mod chain;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use crate::{
    clock::{SharedClock, unix_millis},
    storage::SharedStorage,
};

/// The most records one transaction writes.
const MAX_BATCH: usize = 512;
/// Records waiting for the writer; `record` waits for room, `record_later` drops and logs.
const QUEUE: usize = 8_192;

/// How an operation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Refused by a check, with the refusal's stable code.
    Refused(String),
    /// Failed inside okno or upstream, with the error's code.
    Failed(String),
}

/// An operation to record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// Who acted: `operator:cli`, `partner:prt_…`, `browser`, …
    pub actor: String,
    /// What was done: `partner.create`, `widget.open`, `sandbox.faults`, …
    pub action: String,
    /// On what: a partner id, a publishable key, an order id.
    pub target: String,
    pub outcome: Outcome,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

impl AuditEvent {
    pub fn new(
        actor: impl Into<String>,
        action: &str,
        target: impl Into<String>,
        outcome: Outcome,
    ) -> Self {
        AuditEvent {
            actor: actor.into(),
            action: action.to_owned(),
            target: target.into(),
            outcome,
            request_id: None,
            client_ip: None,
        }
    }
}

/// A record's content before it is linked into the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditDraft {
    /// Unix milliseconds.
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    /// `ok`, `refused` or `failed`.
    pub outcome: String,
    pub error_code: Option<String>,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    #[serde(flatten)]
    pub draft: AuditDraft,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum AuditError {
    #[error("the audit log could not be written")]
    Unavailable,
}

struct Pending {
    draft: AuditDraft,
    done: Option<oneshot::Sender<Result<i64, AuditError>>>,
}

/// The handle operations record through; cheap to clone.
#[derive(Clone)]
pub struct AuditLog {
    queue: mpsc::Sender<Pending>,
    clock: SharedClock,
}

impl AuditLog {
    /// Starts the writer task; it ends when every handle is dropped.
    pub fn start(
        storage: SharedStorage,
        clock: SharedClock,
    ) -> (AuditLog, tokio::task::JoinHandle<()>) {
        let (queue, receiver) = mpsc::channel(QUEUE);
        let writer = tokio::spawn(write_batches(receiver, storage));
        (AuditLog { queue, clock }, writer)
    }

    fn draft(&self, event: AuditEvent) -> AuditDraft {
        let (outcome, error_code) = match event.outcome {
            Outcome::Ok => ("ok", None),
            Outcome::Refused(code) => ("refused", Some(code)),
            Outcome::Failed(code) => ("failed", Some(code)),
        };
        AuditDraft {
            at: unix_millis(self.clock.now()),
            actor: event.actor,
            action: event.action,
            target: event.target,
            outcome: outcome.to_owned(),
            error_code,
            request_id: event.request_id,
            client_ip: event.client_ip,
        }
    }

    /// Records an event and waits until it is durable; returns its sequence number.
    pub async fn record(&self, event: AuditEvent) -> Result<i64, AuditError> {
        let (done, durable) = oneshot::channel();
        let pending = Pending {
            draft: self.draft(event),
            done: Some(done),
        };
        self.queue
            .send(pending)
            .await
            .map_err(|_| AuditError::Unavailable)?;
        durable.await.map_err(|_| AuditError::Unavailable)?
    }

    /// Records an event of an operation that changed nothing (a read, a refusal) without waiting.
    pub fn record_later(&self, event: AuditEvent) {
        let pending = Pending {
            draft: self.draft(event),
            done: None,
        };
        if let Err(error) = self.queue.try_send(pending) {
            tracing::error!(action = %error.into_inner().draft.action, "audit queue full: record dropped");
        }
    }
}

/// Takes everything waiting (up to `MAX_BATCH`), writes it in one transaction, answers each waiter.
async fn write_batches(mut receiver: mpsc::Receiver<Pending>, storage: SharedStorage) {
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(pending) => batch.push(pending),
                Err(_) => break,
            }
        }
        let drafts: Vec<AuditDraft> = batch.iter().map(|p| p.draft.clone()).collect();
        match storage.append_audit(&drafts).await {
            Ok(records) => {
                for (pending, record) in batch.into_iter().zip(records) {
                    if let Some(done) = pending.done {
                        let _ = done.send(Ok(record.seq));
                    }
                }
            }
            Err(error) => {
                tracing::error!(%error, records = batch.len(), "audit records not written");
                for pending in batch {
                    if let Some(done) = pending.done {
                        let _ = done.send(Err(AuditError::Unavailable));
                    }
                }
            }
        }
    }
}

/// The result of walking the whole stored chain.
pub async fn verify(
    storage: &SharedStorage,
) -> Result<Result<u64, chain::BrokenLink>, crate::storage::StorageError> {
    let mut verifier = chain::Verifier::default();
    let mut after = 0;
    loop {
        let page = storage.audit_page(after, 1_000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for record in &page {
            if let Err(broken) = verifier.check(record) {
                return Ok(Err(broken));
            }
        }
    }
    Ok(Ok(verifier.checked()))
}

#[cfg(test)]
mod tests {
    //! The log on both backends: group commit under concurrency, and tampering found by `verify`.

    use std::sync::Arc;

    use sqlx::{Connection, Executor};

    use super::*;
    use crate::{clock::SystemClock, storage::tests as stores};

    fn event(i: usize) -> AuditEvent {
        let outcome = if i.is_multiple_of(3) {
            Outcome::Refused("origin_not_allowed".into())
        } else {
            Outcome::Ok
        };
        let mut event = AuditEvent::new("browser", "widget.open", format!("pk_test_{i}"), outcome);
        event.request_id = Some(format!("req-{i}"));
        event.client_ip = Some("127.0.0.1".into());
        event
    }

    /// Records 60 events at once (they share transactions), checks the chain, then lets
    /// `tamper` change the stored rows and expects `verify` to name `broken_at`.
    async fn concurrent_records_chain_and_tampering_is_found(
        storage: SharedStorage,
        tamper: impl AsyncFnOnce(&str),
        statement: &str,
        broken_at: i64,
    ) {
        let (log, _writer) = AuditLog::start(storage.clone(), Arc::new(SystemClock));
        let waits = (0..60).map(|i| {
            let log = log.clone();
            tokio::spawn(async move { log.record(event(i)).await })
        });
        let mut seqs = Vec::new();
        for wait in waits {
            seqs.push(wait.await.expect("join").expect("durable"));
        }
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            (1..=60).collect::<Vec<i64>>(),
            "every record durable, none twice"
        );
        assert_eq!(verify(&storage).await.expect("read"), Ok(60));

        tamper(statement).await;
        let broken = verify(&storage)
            .await
            .expect("read")
            .expect_err("tampering must be found");
        assert_eq!(broken.seq, broken_at, "{statement}: {broken}");
    }

    const TAMPERING: [(&str, i64); 3] = [
        (
            "UPDATE audit_log SET target = 'pk_test_forged' WHERE seq = 4",
            4,
        ),
        ("DELETE FROM audit_log WHERE seq = 7", 8),
        (
            "UPDATE audit_log SET seq = -1 WHERE seq = 10; UPDATE audit_log SET seq = 10 WHERE seq = 11; \
             UPDATE audit_log SET seq = 11 WHERE seq = -1",
            10,
        ),
    ];

    #[tokio::test]
    async fn sqlite_audit_chain() {
        for (statement, broken_at) in TAMPERING {
            let (storage, dir) = stores::sqlite().await;
            let path = dir.path().join("okno.db");
            let tamper = async |sql: &str| {
                let mut raw =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                        .await
                        .expect("raw connection");
                for part in sql.split(';') {
                    raw.execute(sqlx::AssertSqlSafe(part.to_owned()))
                        .await
                        .expect("tamper");
                }
            };
            concurrent_records_chain_and_tampering_is_found(storage, tamper, statement, broken_at)
                .await;
        }
    }

    #[tokio::test]
    async fn postgres_audit_chain() {
        for (statement, broken_at) in TAMPERING {
            let Some((storage, options)) = stores::postgres_with_options().await else {
                return;
            };
            let tamper = async |sql: &str| {
                let mut raw = sqlx::PgConnection::connect_with(&options)
                    .await
                    .expect("raw connection");
                for part in sql.split(';') {
                    raw.execute(sqlx::AssertSqlSafe(part.to_owned()))
                        .await
                        .expect("tamper");
                }
            };
            concurrent_records_chain_and_tampering_is_found(storage, tamper, statement, broken_at)
                .await;
        }
    }

    #[tokio::test]
    async fn two_logs_on_one_database_keep_one_chain() {
        let (storage, _dir) = stores::sqlite().await;
        let (first, _a) = AuditLog::start(storage.clone(), Arc::new(SystemClock));
        let (second, _b) = AuditLog::start(storage.clone(), Arc::new(SystemClock));
        let mut waits = Vec::new();
        for i in 0..40_usize {
            let log = if i.is_multiple_of(2) {
                first.clone()
            } else {
                second.clone()
            };
            waits.push(tokio::spawn(async move { log.record(event(i)).await }));
        }
        for wait in waits {
            wait.await.expect("join").expect("durable");
        }
        assert_eq!(verify(&storage).await.expect("read"), Ok(40));
    }
}
