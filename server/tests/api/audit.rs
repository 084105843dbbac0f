//! The audit log through the running server and the operator CLI.

use std::{process::Command, time::Duration};

use server::audit::{AuditRecord, verify};

use crate::helpers::{spawn_app, test_settings};

async fn records(storage: &server::storage::SharedStorage, at_least: usize) -> Vec<AuditRecord> {
    // Page openings are recorded without waiting; give the writer a moment, bounded.
    for _ in 0..100 {
        let page = storage.audit_page(0, 1_000).await.expect("read");
        if page.len() >= at_least {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("fewer than {at_least} audit records appeared");
}

#[tokio::test]
async fn widget_openings_refusals_and_sandbox_changes_are_chained_with_their_request() {
    let app = spawn_app().await;
    let key = app
        .partner(&["https://shop.example"])
        .await
        .publishable_key_test;
    assert_eq!(app.get(&format!("/w/{key}/services")).await.status(), 200);
    assert_eq!(app.get("/w/pk_test_nobody/services").await.status(), 404);
    assert_eq!(
        app.get(&format!(
            "/w/{key}/services?origin=https%3A%2F%2Fevil.example"
        ))
        .await
        .status(),
        403
    );
    let faults = app
        .http
        .post(format!("{}/sandbox/{key}/faults", app.base))
        .header("origin", app.base.clone())
        .form(&[
            ("latency_ms", "0"),
            ("error_percent", "0"),
            ("outage_seconds", "0"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(faults.status(), 303);
    let session = app.widget_session(&key).await;
    let call = app
        .http
        .post(format!("{}/widget-api/catalog", app.base))
        .header("origin", app.base.clone())
        .form(&[("session", session.as_str()), ("query", "")])
        .send()
        .await
        .expect("send");
    assert_eq!(call.status(), 200);

    let all = records(&app.storage, 5).await;
    assert!(all.iter().any(|r| r.draft.action == "widget_api.call" && r.draft.target == "/widget-api/catalog"));
    let refused: Vec<(&str, Option<&str>)> = all
        .iter()
        .filter(|r| r.draft.outcome == "refused")
        .map(|r| (r.draft.target.as_str(), r.draft.error_code.as_deref()))
        .collect();
    assert!(
        refused.contains(&("pk_test_nobody", Some("key_unknown"))),
        "{refused:?}"
    );
    assert!(
        refused.contains(&(key.as_str(), Some("origin_not_allowed"))),
        "{refused:?}"
    );
    assert!(
        all.iter()
            .any(|r| r.draft.action == "sandbox.faults" && r.draft.outcome == "ok")
    );
    for record in &all {
        assert_eq!(
            record.draft.request_id.as_ref().map(String::len),
            Some(36),
            "{record:?}"
        );
    }
    assert!(
        all.iter()
            .filter(|r| r.draft.action == "widget.open")
            .all(|r| r.draft.client_ip.as_deref() == Some("127.0.0.1"))
    );
    assert_eq!(
        verify(&app.storage).await.expect("read"),
        Ok(all.len() as u64)
    );
}

#[tokio::test]
async fn the_operator_cli_records_its_changes_and_verify_finds_an_edit() {
    let data = tempfile::tempdir().expect("tempdir");
    let settings = test_settings(&data);
    let okno = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_okno"))
            .args(args)
            .env("OKNO_DATA_DIR", &settings.data_dir)
            .env("OKNO_LOG", "warn")
            .output()
            .expect("run okno")
    };
    assert!(
        okno(&[
            "partner",
            "create",
            "--name",
            "Shop",
            "--origin",
            "https://shop.example"
        ])
        .status
        .success()
    );
    let refused = okno(&[
        "partner",
        "create",
        "--name",
        "Bad",
        "--origin",
        "ftp://shop.example",
    ]);
    assert!(!refused.status.success(), "an invalid origin is refused");

    let verified = okno(&["audit", "verify"]);
    assert!(verified.status.success());
    assert_eq!(
        String::from_utf8_lossy(&verified.stdout).trim(),
        "audit log intact: 2 records"
    );
    let export = okno(&[
        "audit",
        "export",
        "--since",
        "2000-01-01T00:00:00Z",
        "--format",
        "jsonl",
    ]);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&export.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[1]["action"].as_str(), lines[1]["error_code"].as_str()),
        (Some("partner.create"), Some("invalid_origin"))
    );
    assert!(
        lines[0]["actor"]
            .as_str()
            .is_some_and(|a| a.starts_with("operator:cli:"))
    );

    let database = settings.data_dir.join("okno.db");
    let mut raw = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
        "sqlite://{}",
        database.display()
    ))
    .await
    .expect("raw");
    sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE seq = 1")
        .execute(&mut raw)
        .await
        .expect("tamper");
    let broken = okno(&["audit", "verify"]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&broken.stdout).contains("record #1"),
        "{}",
        String::from_utf8_lossy(&broken.stdout)
    );
}
