//! The citizen flow over HTTP on a clock the test drives: draft, attachments, submission through
//! a portal outage, forwarding once, the status timeline (also as server-sent events), feedback
//! — on SQLite and on PostgreSQL — and nothing personal left in clear in the database.

use std::{sync::Arc, time::Duration};

use serde_json::{Value, json};
use server::clock::{Clock, ManualClock, SystemClock};

use server::{partners::CreatedPartner, signatures::SigningKey};

use crate::{
    helpers::{SignedCall, TestApp, spawn_with_clock},
    postgres::fresh_schema_url,
    signin::{collect, one_time_code, popup},
};

const PENSION: &str = "10000000110";
const STEP_SECONDS: u64 = 5;

struct Citizen<'a> {
    app: &'a TestApp,
    session: String,
    access: String,
}

impl Citizen<'_> {
    async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let mut fields = vec![
            ("session", self.session.as_str()),
            ("access_token", self.access.as_str()),
        ];
        fields.extend_from_slice(form);
        let response = self
            .app
            .http
            .post(format!("{}/widget-api/{endpoint}", self.app.base))
            .header("origin", self.app.base.clone())
            .form(&fields)
            .send()
            .await
            .expect("call");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn attach(
        &self,
        application_id: &str,
        name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> (u16, Value) {
        let response = self
            .app
            .http
            .post(format!(
                "{}/widget-api/applications/{application_id}/attachments?service={PENSION}",
                self.app.base
            ))
            .header("origin", self.app.base.clone())
            .header("x-okno-session", &self.session)
            .header("authorization", format!("Bearer {}", self.access))
            .header("content-type", content_type)
            .header("x-okno-file-name", name)
            .body(bytes)
            .send()
            .await
            .expect("upload");
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }
}

/// A signed Partner API POST as the partner's server would send it (test key).
async fn partner_post(
    app: &TestApp,
    partner: &CreatedPartner,
    path: &str,
    body: &[u8],
) -> reqwest::Response {
    let signing = SigningKey::Hmac(partner.secret_key_test.clone().into_bytes());
    let call = SignedCall {
        method: "POST",
        content_type: Some("application/json"),
        body,
        ..SignedCall::get(path, &partner.key_id_test, &signing)
    };
    app.send_signed(call, |_, _| {}).await
}

/// Values as the form posts them (`values[name]=…`).
fn answers(snils: &str) -> Vec<(String, String)> {
    [
        ("snils", snils),
        ("last_name", "Иванова"),
        ("first_name", "Мария"),
        ("middle_name", "Петровна"),
        ("birth_date", "1988-03-14"),
        ("pension_type", "old_age"),
        ("residence_address", "г. Москва, ул. Тверская, д. 1, кв. 2"),
        ("mobile_phone", "+7 900 123-45-67"),
    ]
    .into_iter()
    .map(|(name, value)| (format!("values[{name}]"), value.to_owned()))
    .collect()
}

async fn signed_in_with_consent<'a>(app: &'a TestApp, key: &str) -> Citizen<'a> {
    let (_, page) = popup(app, key, "1000299353", "allow").await;
    let session = app.widget_session(key).await;
    let (status, _, body) = collect(app, &session, &one_time_code(&page)).await;
    assert_eq!(status, 200, "{body}");
    let citizen = Citizen {
        app,
        session,
        access: body["access_token"].as_str().expect("token").to_owned(),
    };
    // Nothing personal is kept before consent: no draft without it.
    let (status, refused) = citizen.call("draft", &[("service_code", PENSION)]).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("consent_required"))
    );
    let (status, given) = citizen.call("consent", &[("service_code", PENSION)]).await;
    assert_eq!(status, 200, "{given}");
    Citizen {
        access: given["access_token"].as_str().expect("token").to_owned(),
        ..citizen
    }
}

/// Lets the worker run until `done` holds, moving the clock `step` each round.
async fn until(app_clock: &ManualClock, step: time::Duration, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..200 {
        if done().await {
            return;
        }
        app_clock.advance(step);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the condition never held");
}

async fn flow(database_url: Option<String>) {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let app = spawn_with_clock(
        |settings| {
            settings.sandbox_step_seconds = STEP_SECONDS;
            settings.status_poll_seconds = 1;
            if let Some(url) = database_url {
                settings.database_url = Some(url.into());
            }
        },
        clock.clone(),
    )
    .await;
    let partner = app.partner(&["https://shop.example"]).await;
    let key = partner.publishable_key_test.clone();
    // The partner's webhooks: every event of the application is queued with the change it
    // reports (the receiver need not answer for that).
    let body = br#"{"url":"http://127.0.0.1:9/hooks","event_types":["application.submitted","application.status_changed","feedback.created"]}"#;
    let registered: Value = partner_post(&app, &partner, "/api/v1/webhooks/endpoints", body)
        .await
        .json()
        .await
        .expect("endpoint");
    let endpoint_id = registered["endpoint_id"]
        .as_str()
        .expect("endpoint id")
        .to_owned();
    let citizen = signed_in_with_consent(&app, &key).await;

    // A draft: its application id is fixed at once; saved answers come back after a reload.
    let (status, draft) = citizen.call("draft", &[("service_code", PENSION)]).await;
    assert_eq!(status, 200, "{draft}");
    let application_id = draft["application_id"].as_str().expect("id").to_owned();
    assert!(application_id.starts_with("app_"));
    let mut save = vec![
        ("service_code", PENSION),
        ("application_id", application_id.as_str()),
    ];
    save.push(("values[last_name]", "Иванова"));
    let (status, saved) = citizen.call("draft/save", &save).await;
    assert_eq!(status, 200, "{saved}");
    let (_, again) = citizen.call("draft", &[("service_code", PENSION)]).await;
    assert_eq!(again["application_id"], application_id.as_str());
    assert_eq!(again["values"]["last_name"], "Иванова");

    // Attachments: the form's size and types, checked by the file's own bytes too.
    let pdf = b"%PDF-1.7\n% a scanned work record\n".to_vec();
    let (status, attached) = citizen
        .attach(
            &application_id,
            "%D1%82%D1%80%D1%83%D0%B4.pdf",
            "application/pdf",
            pdf.clone(),
        )
        .await;
    assert_eq!(status, 201, "{attached}");
    assert_eq!(attached["name"], "труд.pdf");
    let (status, refused) = citizen
        .attach(&application_id, "x.png", "image/png", pdf.clone())
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (415, Some("attachment_type_not_allowed"))
    );
    let (status, refused) = citizen
        .attach(
            &application_id,
            "x.exe",
            "application/x-msdownload",
            b"MZ\x90\x00".to_vec(),
        )
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (415, Some("attachment_type_not_allowed"))
    );
    let mut big = b"%PDF-".to_vec();
    big.resize(5 * 1024 * 1024 + 1, b'0');
    let (status, refused) = citizen
        .attach(&application_id, "big.pdf", "application/pdf", big)
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (413, Some("attachment_too_large"))
    );
    let forged = Citizen {
        access: "forged".into(),
        session: citizen.session.clone(),
        app: &app,
    };
    let (status, refused) = forged
        .attach(&application_id, "a.pdf", "application/pdf", pdf)
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (401, Some("signin_expired"))
    );

    // An invalid SNILS is refused field by field; nothing of the refused submission is kept.
    let submit = |snils: &str| {
        let mut form: Vec<(String, String)> = vec![
            ("service_code".into(), PENSION.into()),
            ("application_id".into(), application_id.clone()),
        ];
        form.extend(answers(snils));
        form
    };
    let as_refs = |form: &[(String, String)]| -> Vec<(String, String)> { form.to_vec() };
    let bad = as_refs(&submit("526-018-159 62"));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, refused) = citizen.call("submit", &bad).await;
    assert!(status >= 400);
    assert_eq!(refused["code"], "form_invalid", "{refused}");
    assert_eq!(refused["problems"][0]["field"], "snils", "{refused}");
    assert!(
        app.storage
            .submission(&application_id)
            .await
            .expect("read")
            .is_none()
    );

    // The portal is down while the citizen submits: the number comes at once all the same.
    let sandbox = app.sandbox.clone().expect("sandbox");
    let control = reqwest::Client::new();
    let faults = format!("{}sandbox-api/faults", sandbox_url(&app));
    control
        .put(&faults)
        .json(&json!({"outage_seconds": 60}))
        .send()
        .await
        .expect("faults");
    let good = submit("526-018-159 61");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, receipt) = citizen.call("submit", &good).await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["application_id"], application_id.as_str());
    assert_eq!(receipt["timeline"][0]["status_code"], 1000);
    // A double click: the same receipt, nothing new.
    let (_, twice) = citizen.call("submit", &good).await;
    assert_eq!(twice["application_id"], application_id.as_str());
    let storage = app.storage.clone();
    let id = application_id.clone();
    until(&clock, time::Duration::seconds(1), async || {
        storage
            .submission(&id)
            .await
            .expect("read")
            .is_some_and(|s| s.attempts >= 2)
    })
    .await;
    assert!(
        sandbox.order_ids().is_empty(),
        "nothing filed during the outage"
    );

    // The portal is back two hours later, when the citizen's ESIA token (one hour) has run out:
    // okno renews it with the refresh token, forwards once, then follows the sandbox's
    // progression to "Услуга оказана".
    clock.advance(time::Duration::hours(2));
    control.delete(&faults).send().await.expect("faults");
    until(
        &clock,
        time::Duration::seconds(STEP_SECONDS as i64),
        async || {
            storage
                .submission(&id)
                .await
                .expect("read")
                .is_some_and(|s| s.application.status_code == 3)
        },
    )
    .await;
    assert_eq!(
        sandbox.order_ids().len(),
        1,
        "one order, whatever the retries"
    );
    // Hours later the citizen comes back: a new sign-in, then (as after a reload) the frame's
    // refresh cookie brings back the consent and the newest application with its timeline.
    let (_, page) = popup(&app, &key, "1000299353", "allow").await;
    let session = app.widget_session(&key).await;
    let (_, cookie, _) = collect(&app, &session, &one_time_code(&page)).await;
    let cookie = cookie.expect("refresh cookie");
    let resumed: Value = app
        .http
        .post(format!("{}/widget-api/signin/resume", app.base))
        .header("origin", app.base.clone())
        .header("cookie", cookie.split(';').next().expect("pair"))
        .form(&[("session", session.as_str()), ("service_code", PENSION)])
        .send()
        .await
        .expect("resume")
        .json()
        .await
        .expect("json");
    let citizen = Citizen {
        app: &app,
        session,
        access: resumed["consent"]["access_token"]
            .as_str()
            .expect("consent kept")
            .to_owned(),
    };
    let receipt = &resumed["latest"];
    assert_eq!(receipt["application_id"], application_id.as_str());
    let codes: Vec<u64> = receipt["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|s| s["status_code"].as_u64().expect("code"))
        .collect();
    assert_eq!(codes, [1000, 17, 21, 2, 6, 3], "{receipt}");
    assert_eq!(receipt["timeline"][5]["name_ru"], "Услуга оказана");
    assert_eq!(receipt["timeline"][5]["is_final"], true);

    // The live stream resumes after the last status the browser saw.
    let stream = app
        .http
        .get(format!(
            "{}/widget-api/applications/{application_id}/events",
            app.base
        ))
        .query(&[
            ("session", citizen.session.as_str()),
            ("access", citizen.access.as_str()),
        ])
        .header("origin", app.base.clone())
        .header("last-event-id", "4")
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), 200);
    let mut stream = stream;
    let mut seen = String::new();
    while !seen.contains("id: 6") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk())
            .await
            .expect("in time")
            .expect("chunk")
            .expect("open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        seen.contains("id: 5") && !seen.contains("id: 4\n"),
        "{seen}"
    );
    assert!(seen.contains("\"status_code\":3"), "{seen}");

    // Feedback once, after the final status; the partner reads it.
    let (status, refused) = citizen
        .call(
            "feedback",
            &[
                ("application_id", application_id.as_str()),
                ("rating", "9"),
                ("comment", ""),
            ],
        )
        .await;
    assert_eq!(
        (status >= 400, refused["code"].as_str()),
        (true, Some("feedback_invalid"))
    );
    let (status, _) = citizen
        .call(
            "feedback",
            &[
                ("application_id", application_id.as_str()),
                ("rating", "5"),
                ("comment", "Быстро"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let (_, refused) = citizen
        .call(
            "feedback",
            &[
                ("application_id", application_id.as_str()),
                ("rating", "4"),
                ("comment", ""),
            ],
        )
        .await;
    assert_eq!(refused["code"], "feedback_not_allowed");
    let feedback = app
        .storage
        .feedback_page(&partner.id, "test", (0, ""), 10)
        .await
        .expect("feedback");
    assert_eq!(feedback.len(), 1);
    assert_eq!(
        (feedback[0].rating, feedback[0].comment.as_str()),
        (5, "Быстро")
    );

    // Another citizen's session cannot read the application.
    let stranger = Citizen {
        access: citizen.access.clone(),
        session: app
            .widget_session(&app.partner(&[]).await.publishable_key_test)
            .await,
        app: &app,
    };
    let (_, refused) = stranger.call("draft", &[("service_code", PENSION)]).await;
    assert_eq!(refused["code"], "session_invalid");

    // The partner heard of it by id and status only: submitted, each status, the feedback.
    let deliveries = app
        .storage
        .webhook_deliveries(&endpoint_id, 50)
        .await
        .expect("log");
    let mut events: Vec<(String, String)> = deliveries
        .iter()
        .map(|(d, _)| (d.event_type.clone(), d.payload.clone()))
        .collect();
    events.sort_by_key(|(_, payload)| {
        serde_json::from_str::<Value>(payload).expect("json")["timestamp"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    });
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "application.submitted")
            .count(),
        1,
        "{types:?}"
    );
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "application.status_changed")
            .count(),
        5,
        "{types:?}"
    );
    assert_eq!(
        types.iter().filter(|t| **t == "feedback.created").count(),
        1,
        "{types:?}"
    );
    for (_, payload) in &events {
        assert!(payload.contains(&application_id), "{payload}");
        assert!(
            !payload.contains("Иванова") && !payload.contains("526-018"),
            "{payload}"
        );
    }

    // 30 days after the final status the answers and files are destroyed; ids and statuses stay.
    let kept = server::startup::PERSONAL_DATA_KEPT_MS;
    let now = server::clock::unix_millis(clock.now());
    assert_eq!(
        app.storage
            .purge_personal_data(now - kept)
            .await
            .expect("purge")
            .0,
        0,
        "not yet"
    );
    let later = now + kept + 1;
    let (cleared, _, _) = app
        .storage
        .purge_personal_data(later - kept)
        .await
        .expect("purge");
    assert_eq!(cleared, 1);
    let after = app
        .storage
        .submission(&application_id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(
        (after.sealed_form.as_str(), after.application.status_code),
        ("", 3)
    );
    assert!(
        app.storage
            .attachments_of(&application_id, true)
            .await
            .expect("files")
            .is_empty()
    );
    assert_eq!(
        app.storage
            .status_history(&application_id, 0)
            .await
            .expect("timeline")
            .len(),
        6
    );

    // Nothing personal is stored in clear: not in the database, not in its write-ahead log.
    let database = std::fs::read(app.data_dir().join("okno.db")).unwrap_or_default();
    let wal = std::fs::read(app.data_dir().join("okno.db-wal")).unwrap_or_default();
    for bytes in [database, wal] {
        let text = String::from_utf8_lossy(&bytes);
        for personal in [
            "Иванова",
            "526-018-159 61",
            "52601815961",
            "Тверская",
            "труд.pdf",
            "a scanned work record",
        ] {
            assert!(!text.contains(personal), "{personal} in clear");
        }
    }
}

fn sandbox_url(app: &TestApp) -> String {
    app.portal_url.clone().expect("sandbox")
}

#[tokio::test]
async fn a_citizen_files_through_an_outage_and_follows_the_application_on_sqlite() {
    flow(None).await;
}

#[tokio::test]
async fn a_citizen_files_and_follows_the_application_on_postgres() {
    if let Some(url) = fresh_schema_url().await {
        flow(Some(url)).await;
    }
}

#[tokio::test]
async fn a_test_mode_status_set_by_the_partner_moves_the_sandbox_order_into_the_timeline() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let app = spawn_with_clock(
        |settings| {
            // The sandbox would not move the order by itself during the test.
            settings.sandbox_step_seconds = 3_600;
            settings.status_poll_seconds = 1;
        },
        clock.clone(),
    )
    .await;
    let partner = app.partner(&["https://shop.example"]).await;
    let citizen = signed_in_with_consent(&app, &partner.publishable_key_test).await;
    let (_, draft) = citizen.call("draft", &[("service_code", PENSION)]).await;
    let application_id = draft["application_id"].as_str().expect("id").to_owned();
    let mut form = vec![
        ("service_code".to_owned(), PENSION.to_owned()),
        ("application_id".to_owned(), application_id.clone()),
    ];
    form.extend(answers("526-018-159 61"));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, _) = citizen.call("submit", &form).await;
    assert_eq!(status, 200);
    let storage = app.storage.clone();
    let id = application_id.clone();
    until(&clock, time::Duration::seconds(1), async || {
        storage
            .submission(&id)
            .await
            .expect("read")
            .is_some_and(|s| s.application.status_code == 17)
    })
    .await;

    // The partner refuses it in test mode: the sandbox order moves, and okno follows.
    let body = format!(r#"{{"application_id":"{application_id}","status_code":4}}"#);
    let response = partner_post(&app, &partner, "/api/v1/services/status", body.as_bytes()).await;
    assert_eq!(response.status(), 200);
    until(&clock, time::Duration::seconds(1), async || {
        storage
            .submission(&id)
            .await
            .expect("read")
            .is_some_and(|s| s.application.status_code == 4)
    })
    .await;
    let codes: Vec<i32> = app
        .storage
        .status_history(&application_id, 0)
        .await
        .expect("timeline")
        .iter()
        .map(|s| s.status_code)
        .collect();
    assert_eq!(codes, [1000, 17, 4]);
}
