//! Prints what the Partner API's check pipeline costs per request — RFC 9421 signature, nonce
//! (stored), citizen token, durable audit record — and its throughput with the audit log's group
//! commit against one transaction per record. Run with `./x bench` (SQLite in a temp dir; set
//! `BENCH_DATABASE_URL=postgres://…` to measure PostgreSQL).

// A benchmark aborts on the first failure; there is no caller to hand errors to.
#![allow(clippy::expect_used)]

use std::{
    net::{IpAddr, Ipv4Addr},
    sync::Arc,
    time::{Duration, Instant},
};

use server::{
    audit::{AuditEvent, AuditLog, Outcome},
    clock::{Clock, SharedClock, SystemClock, unix_millis},
    config::Settings,
    gateway::Gateway,
    partners::Partners,
    sealing::Sealer,
    sessions::Sessions,
    signatures::{SigningKey, sign},
    storage::{self, SharedStorage},
    tokens::{CitizenAccess, Mode},
};

/// Requests measured one after another, and by concurrent callers.
const SEQUENTIAL: usize = 2_000;
const CONCURRENT_CALLERS: usize = 64;
const PER_CALLER: usize = 100;

struct Bench {
    gateway: Arc<Gateway>,
    sessions: Arc<Sessions>,
    audit: AuditLog,
    storage: SharedStorage,
    key_id: String,
    key: SigningKey,
    access_token: String,
}

fn signed_request(bench: &Bench, n: usize) -> (http::request::Parts, Vec<u8>) {
    let body = format!("token=bench-{n}").into_bytes();
    let (mut parts, ()) = http::Request::builder()
        .method("POST")
        .uri("http://okno.bench/api/v1/oauth/introspect")
        .header("host", "okno.bench")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(())
        .expect("request")
        .into_parts();
    let now = SystemClock.now().unix_timestamp();
    let nonce = format!("bench-{n}-{:016x}", rand::random::<u64>());
    sign(
        &mut parts,
        &body,
        &bench.key_id,
        &bench.key,
        now,
        now + 60,
        &nonce,
    )
    .expect("sign");
    (parts, body)
}

/// One request through every check; the audit record is durable before it returns.
async fn check_one(bench: &Bench, parts: &http::request::Parts, body: &[u8], group_commit: bool) {
    let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let caller = bench
        .gateway
        .check(parts, body, ip)
        .await
        .expect("checks pass");
    bench
        .sessions
        .verify_access(&bench.access_token)
        .await
        .expect("token verifies");
    let event = AuditEvent::new(
        format!("partner:{}", caller.partner_id),
        "api.POST /api/v1/oauth/introspect",
        caller.key_id,
        Outcome::Ok,
    );
    if group_commit {
        bench.audit.record(event).await.expect("audit");
    } else {
        let draft = server::audit::AuditDraft {
            at: unix_millis(SystemClock.now()),
            actor: event.actor,
            action: event.action,
            target: event.target,
            outcome: "ok".to_owned(),
            error_code: None,
            request_id: None,
            client_ip: None,
        };
        bench.storage.append_audit(&[draft]).await.expect("audit");
    }
}

async fn setup(url: Option<String>, dir: &tempfile::TempDir) -> Bench {
    let url = url.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let storage = storage::connect(&url).await.expect("storage");
    let clock: SharedClock = Arc::new(SystemClock);
    let sealer = Arc::new(Sealer::from_key_file(&dir.path().join("okno.key")).expect("sealer"));
    let partners = Arc::new(Partners::new(
        storage.clone(),
        clock.clone(),
        sealer.clone(),
    ));
    let created = partners.create("Bench", &[]).await.expect("partner");
    let (audit, _writer) = AuditLog::start(storage.clone(), clock.clone());
    let settings = Settings {
        rate_limit_partner_per_minute: u32::MAX,
        rate_limit_ip_per_minute: u32::MAX,
        ..Settings::default()
    };
    let gateway = Arc::new(
        Gateway::new(
            &settings,
            partners,
            storage.clone(),
            audit.clone(),
            clock.clone(),
        )
        .expect("gateway"),
    );
    let sessions = Arc::new(
        Sessions::start(
            storage.clone(),
            sealer,
            clock,
            "https://okno.bench".to_owned(),
        )
        .await
        .expect("sessions"),
    );
    let tokens = sessions
        .start_citizen_session(&CitizenAccess {
            citizen_id: "cit_bench".to_owned(),
            partner_id: created.id.clone(),
            consent_id: "cns_bench".to_owned(),
            scope: "applications:submit".to_owned(),
            mode: Mode::Test,
        })
        .await
        .expect("tokens");
    Bench {
        gateway,
        sessions,
        audit,
        storage,
        key_id: created.key_id_test,
        key: SigningKey::Hmac(created.secret_key_test.into_bytes()),
        access_token: tokens.access.token,
    }
}

async fn throughput(bench: &Arc<Bench>, group_commit: bool) -> (f64, Duration) {
    let requests: Vec<Vec<_>> = (0..CONCURRENT_CALLERS)
        .map(|c| {
            (0..PER_CALLER)
                .map(|i| {
                    signed_request(
                        bench,
                        1_000_000 * (c + 1) + i + usize::from(group_commit) * 500,
                    )
                })
                .collect()
        })
        .collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for batch in requests {
        let bench = bench.clone();
        tasks.push(tokio::spawn(async move {
            for (parts, body) in batch {
                check_one(&bench, &parts, &body, group_commit).await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("caller");
    }
    let elapsed = started.elapsed();
    let total = (CONCURRENT_CALLERS * PER_CALLER) as f64;
    (total / elapsed.as_secs_f64(), elapsed)
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = std::env::var("BENCH_DATABASE_URL").ok();
    let backend = if url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite (WAL)"
    };
    let bench = Arc::new(setup(url, &dir).await);

    // Signing is the partner's cost, not okno's: requests are signed before the clock starts.
    let requests: Vec<_> = (0..SEQUENTIAL).map(|n| signed_request(&bench, n)).collect();
    let started = Instant::now();
    for (parts, body) in &requests {
        check_one(&bench, parts, body, true).await;
    }
    let sequential = started.elapsed();

    let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let checks_only: Vec<_> = (0..SEQUENTIAL)
        .map(|n| signed_request(&bench, 10_000 + n))
        .collect();
    let started = Instant::now();
    for (parts, body) in &checks_only {
        bench.gateway.check(parts, body, ip).await.expect("checks");
    }
    let gateway_only = started.elapsed();
    let started = Instant::now();
    for _ in 0..SEQUENTIAL {
        bench
            .sessions
            .verify_access(&bench.access_token)
            .await
            .expect("token");
    }
    let token_only = started.elapsed();

    let (grouped_rps, grouped) = throughput(&bench, true).await;
    let (single_rps, single) = throughput(&bench, false).await;
    let per = |d: Duration| d.as_secs_f64() * 1e6 / SEQUENTIAL as f64;

    println!("okno check pipeline on {backend}, release build");
    println!("  per request, one caller ({SEQUENTIAL} requests):");
    println!(
        "    full pipeline (signature + nonce + key lookup + token + durable audit): {:.0} µs",
        per(sequential)
    );
    println!(
        "    gateway checks alone (signature + key lookup + nonce + networks):        {:.0} µs",
        per(gateway_only)
    );
    println!(
        "    citizen token alone (Ed25519 JWT + revocation lookup):                   {:.0} µs",
        per(token_only)
    );
    println!(
        "  throughput, {CONCURRENT_CALLERS} concurrent callers x {PER_CALLER} requests, durable audit each:"
    );
    println!(
        "    audit with group commit:          {grouped_rps:.0} requests/s ({:.2} s)",
        grouped.as_secs_f64()
    );
    println!(
        "    audit one transaction per record: {single_rps:.0} requests/s ({:.2} s)",
        single.as_secs_f64()
    );
    let verified = server::audit::verify(&bench.storage).await.expect("read");
    println!(
        "  audit chain after the run: {}",
        match verified {
            Ok(count) => format!("intact, {count} records"),
            Err(broken) => format!("BROKEN at {broken}"),
        }
    );
}
