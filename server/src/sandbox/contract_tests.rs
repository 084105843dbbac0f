//! Contract tests of the sandbox's EPGU orders API over HTTP, through the gateway's own portal
//! client: shapes, progression by an injected clock, every refusal with its code, limits, faults.

use std::{io::Write, sync::Arc};

use reqwest::StatusCode;
use time::{Duration, OffsetDateTime};

use super::{
    esia::API_ORDER_SCOPE,
    orders::FIRST_ORDER_ID,
    test_flow::{STEP, Sandbox, start_with_clock},
};
use crate::{
    clock::{Clock, ManualClock},
    portal::{
        PortalError,
        wire::{OrderMeta, PushMeta},
    },
};

const CONFIRMED: &str = "1000299353";
const OTHER_CONFIRMED_SCOPE: &str = "openid fullname";

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in files {
        writer.start_file(*name, stored).expect("start");
        writer.write_all(content).expect("write");
    }
    writer.finish().expect("finish").into_inner()
}

fn request(surname: &str) -> Vec<u8> {
    zip_of(&[
        (
            "req.xml",
            format!("<req><lastName>{surname}</lastName></req>").as_bytes(),
        ),
        ("attach.pdf", b"%PDF-1.4"),
    ])
}

fn meta(code: &str) -> PushMeta {
    PushMeta {
        meta: OrderMeta {
            region: "45000000000".into(),
            service_code: code.into(),
            target_code: format!("-{code}"),
        },
        order_id: None,
    }
}

fn refusal<T: std::fmt::Debug>(result: Result<T, PortalError>) -> (StatusCode, String) {
    match result {
        Err(PortalError::Refused { status, code, .. }) => (status, code),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn sandbox() -> (Sandbox, Arc<ManualClock>, String) {
    let clock = Arc::new(ManualClock::new(
        OffsetDateTime::UNIX_EPOCH + Duration::days(20_000),
    ));
    let sandbox = start_with_clock(clock.clone()).await;
    let token = sandbox
        .sign_in(CONFIRMED, &format!("openid {API_ORDER_SCOPE}"))
        .await
        .expect("sign in")
        .access_token;
    (sandbox, clock, token)
}

#[tokio::test]
async fn a_pushed_order_progresses_to_provided_and_shows_in_get_updated_after() {
    let (sandbox, clock, token) = sandbox().await;
    let before = "2020-01-01T00:00:00.000";
    let id = sandbox
        .portal
        .push(&token, &meta("10000000109"), request("Иванова"))
        .await
        .expect("push");
    let order = sandbox
        .portal
        .order(&token, id)
        .await
        .expect("details")
        .expect("found");
    assert_eq!(
        (order.order_status_id, order.order_status_name.as_str()),
        (17, "Зарегистрировано на портале")
    );

    clock.advance(STEP * 4);
    let order = sandbox
        .portal
        .order(&token, id)
        .await
        .expect("details")
        .expect("found");
    let path: Vec<u32> = order.statuses.iter().map(|s| s.status_id).collect();
    assert_eq!(path, [0, 17, 21, 2, 6, 3]);
    assert!(order.closed && order.has_result);
    assert_eq!(
        order.statuses.last().map(|s| s.title.as_str()),
        Some("Услуга оказана")
    );
    assert!(order.updated.ends_with("+0300"), "{}", order.updated);

    let page = sandbox
        .portal
        .updated_after(&token, before, 0, 10)
        .await
        .expect("page");
    assert_eq!((page.count, page.total_count), (1, 1));
    let found = &page.content[0];
    assert_eq!(
        (found.order_id, found.order_search_status.as_str()),
        (id, "FOUND")
    );
    assert_eq!(found.status.as_ref().map(|s| s.status_id), Some(3));
    let later = sandbox
        .portal
        .updated_after(&token, "2100-01-01T00:00:00.000", 0, 10)
        .await
        .expect("page");
    assert_eq!(later.total_count, 0);
}

#[tokio::test]
async fn the_details_answer_has_the_real_envelope_with_the_order_as_an_escaped_string() {
    let (sandbox, _clock, token) = sandbox().await;
    let id = sandbox
        .portal
        .push(&token, &meta("60080315"), request("Иванова"))
        .await
        .expect("push");
    let response = sandbox
        .http
        .post(
            sandbox
                .base
                .join(&format!("api/gusmev/order/{id}"))
                .expect("url"),
        )
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["code"], "OK");
    assert!(body["message"].is_null() && body["messageId"].is_string());
    let order: serde_json::Value =
        serde_json::from_str(body["order"].as_str().expect("a string")).expect("json inside");
    for key in [
        "id",
        "orderStatusId",
        "orderStatusName",
        "closed",
        "hasResult",
        "eserviceId",
        "serviceTargetId",
        "serviceName",
        "userSelectedRegion",
        "personType",
        "stateStructureName",
        "orderDate",
        "updated",
        "statuses",
        "currentStatusHistory",
        "orderAttachmentFiles",
        "orderResponseFiles",
    ] {
        assert!(order.get(key).is_some(), "order object lacks {key}");
    }
    assert_eq!(order["orderAttachmentFiles"][0]["type"], "REQUEST");
    let attachment = &order["orderAttachmentFiles"][1];
    assert_eq!(
        (attachment["type"].as_str(), attachment["mimeType"].as_str()),
        (Some("ATTACHMENT"), Some("application/pdf"))
    );
    let link = attachment["link"]
        .as_str()
        .expect("link")
        .trim_start_matches('/');
    let file = sandbox
        .http
        .get(sandbox.base.join(link).expect("url"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.bytes().await.expect("bytes").as_ref(), b"%PDF-1.4");
    let anonymous = sandbox
        .http
        .get(sandbox.base.join(link).expect("url"))
        .send()
        .await
        .expect("send");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(
        sandbox
            .portal
            .order(&token, 1)
            .await
            .expect("204 is not an error")
            .is_none()
    );
}

#[tokio::test]
async fn test_data_picks_refusal_and_the_operator_moves_any_order() {
    let (sandbox, clock, token) = sandbox().await;
    let refused = sandbox
        .portal
        .push(&token, &meta("10000000109"), request("Отказов"))
        .await
        .expect("push");
    let moved = sandbox
        .portal
        .push(&token, &meta("10000000109"), request("Иванова"))
        .await
        .expect("push");
    let set = sandbox
        .http
        .post(
            sandbox
                .base
                .join(&format!("sandbox-api/orders/{moved}/status"))
                .expect("url"),
        )
        .json(&serde_json::json!({ "statusId": 15, "comment": "Уточните адрес" }))
        .send()
        .await
        .expect("send");
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    clock.advance(STEP * 10);
    let refused = sandbox
        .portal
        .order(&token, refused)
        .await
        .expect("details")
        .expect("found");
    assert_eq!(refused.order_status_id, 4);
    let moved = sandbox
        .portal
        .order(&token, moved)
        .await
        .expect("details")
        .expect("found");
    assert_eq!(
        moved.order_status_id, 15,
        "an operator move stops the schedule"
    );
    assert_eq!(
        moved.statuses.last().map(|s| s.comment.as_str()),
        Some("Уточните адрес")
    );
}

#[tokio::test]
async fn bad_archives_are_refused_and_leave_no_order_behind() {
    let (sandbox, _clock, token) = sandbox().await;
    let nested = zip_of(&[("req.xml", b"<req/>"), ("more.zip", b"PK..")]);
    let cases: [(&str, Vec<u8>); 4] = [
        ("nested archive", nested),
        ("no req.xml", zip_of(&[("attach.pdf", b"%PDF")])),
        ("not a zip", b"plain text".to_vec()),
        ("over 50,000,000 bytes", vec![0; 50_000_001]),
    ];
    for (what, archive) in cases {
        let (status, code) = refusal(
            sandbox
                .portal
                .push(&token, &meta("10000000109"), archive)
                .await,
        );
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "push_denied"),
            "{what}"
        );
    }
    let page = sandbox
        .portal
        .updated_after(&token, "2000-01-01T00:00:00.000", 0, 10)
        .await
        .expect("page");
    assert_eq!(page.total_count, 0, "nothing half-created");

    let no_file = reqwest::multipart::Form::new().text(
        "meta",
        serde_json::to_string(&meta("10000000109")).expect("json"),
    );
    let response = sandbox
        .http
        .post(sandbox.base.join("api/gusmev/push").expect("url"))
        .bearer_auth(&token)
        .multipart(no_file)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn pushing_into_drafts_checks_owner_and_state() {
    let (sandbox, _clock, token) = sandbox().await;
    let draft = sandbox
        .portal
        .create_order(&token, &meta("10000000109").meta)
        .await
        .expect("draft");
    let into_draft = PushMeta {
        order_id: Some(draft),
        ..meta("10000000109")
    };
    assert_eq!(
        sandbox
            .portal
            .push(&token, &into_draft, request("Иванова"))
            .await
            .expect("push"),
        draft
    );
    let (status, code) = refusal(
        sandbox
            .portal
            .push(&token, &into_draft, request("Иванова"))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "push_denied")
    );

    let other = sandbox
        .sign_in(
            "1000299353",
            &format!("{OTHER_CONFIRMED_SCOPE} {API_ORDER_SCOPE}"),
        )
        .await
        .expect("sign in");
    // Same citizen, new token: still the owner. Another citizen cannot read or cancel it.
    assert!(
        sandbox
            .portal
            .order(&other.access_token, draft)
            .await
            .expect("own")
            .is_some()
    );
}

#[tokio::test]
async fn a_chunked_push_takes_parts_in_order_within_five_minutes() {
    let (sandbox, clock, token) = sandbox().await;
    let big = vec![7u8; 6_000_000];
    let archive = zip_of(&[("req.xml", b"<req/>"), ("scan.pdf", &big)]);
    let (first, rest) = archive.split_at(5_000_000);

    let order = sandbox
        .portal
        .create_order(&token, &meta("10000000109").meta)
        .await
        .expect("draft");
    let (status, _) = refusal(
        sandbox
            .portal
            .push_chunk(&token, order, 1, 2, rest.to_vec())
            .await,
    );
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a chunked push starts with chunk 0"
    );
    let (status, _) = refusal(
        sandbox
            .portal
            .push_chunk(&token, order, 0, 2, b"too small".to_vec())
            .await,
    );
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "parts but the last are at least 5,000,000 bytes"
    );

    assert!(
        !sandbox
            .portal
            .push_chunk(&token, order, 0, 2, first.to_vec())
            .await
            .expect("206")
    );
    assert!(
        sandbox
            .portal
            .push_chunk(&token, order, 1, 2, rest.to_vec())
            .await
            .expect("200")
    );
    let pushed = sandbox
        .portal
        .order(&token, order)
        .await
        .expect("details")
        .expect("found");
    assert_eq!(pushed.order_status_id, 17);

    let late = sandbox
        .portal
        .create_order(&token, &meta("10000000109").meta)
        .await
        .expect("draft");
    assert!(
        !sandbox
            .portal
            .push_chunk(&token, late, 0, 2, first.to_vec())
            .await
            .expect("206")
    );
    clock.advance(Duration::minutes(5) + Duration::seconds(1));
    let (status, _) = refusal(
        sandbox
            .portal
            .push_chunk(&token, late, 1, 2, rest.to_vec())
            .await,
    );
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "all parts within five minutes"
    );
}

#[tokio::test]
async fn cancel_needs_a_reason_and_is_refused_after_a_final_status() {
    let (sandbox, clock, token) = sandbox().await;
    let id = sandbox
        .portal
        .push(&token, &meta("10000000109"), request("Иванова"))
        .await
        .expect("push");
    let missing_reason = sandbox
        .http
        .post(
            sandbox
                .base
                .join(&format!("api/gusmev/order/{id}/cancel"))
                .expect("url"),
        )
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(missing_reason.status(), StatusCode::BAD_REQUEST);
    sandbox
        .portal
        .cancel(&token, id, "Передумал")
        .await
        .expect("cancel");
    assert_eq!(
        sandbox
            .portal
            .order(&token, id)
            .await
            .expect("d")
            .expect("f")
            .order_status_id,
        10
    );
    let (status, code) = refusal(sandbox.portal.cancel(&token, id, "Ещё раз").await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "cancel_not_allowed")
    );
    let (status, code) = refusal(sandbox.portal.cancel(&token, 1, "Нет такого").await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );

    let provided = sandbox
        .portal
        .push(&token, &meta("10000000109"), request("Иванова"))
        .await
        .expect("push");
    clock.advance(STEP * 4);
    let (status, _) = refusal(sandbox.portal.cancel(&token, provided, "Поздно").await);
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn orders_status_reports_found_and_not_found() {
    let (sandbox, _clock, token) = sandbox().await;
    let id = sandbox
        .portal
        .push(&token, &meta("10000000109"), request("Иванова"))
        .await
        .expect("push");
    let page = sandbox
        .portal
        .orders_status(&token, &[id, 1], 0, 5)
        .await
        .expect("page");
    let found: Vec<(u64, &str)> = page
        .content
        .iter()
        .map(|r| (r.order_id, r.order_search_status.as_str()))
        .collect();
    assert_eq!(found, [(id, "FOUND"), (1, "NOT_FOUND")]);
}

#[tokio::test]
async fn twenty_applications_per_citizen_per_service_per_ten_minutes() {
    let (sandbox, clock, token) = sandbox().await;
    let order = meta("10000000110").meta;
    for _ in 0..20 {
        sandbox
            .portal
            .create_order(&token, &order)
            .await
            .expect("within the limit");
    }
    let (status, code) = refusal(sandbox.portal.create_order(&token, &order).await);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "limitation_exception")
    );
    assert!(
        sandbox
            .portal
            .create_order(&token, &meta("10000000109").meta)
            .await
            .is_ok(),
        "another service"
    );
    clock.advance(Duration::minutes(10));
    assert!(
        sandbox.portal.create_order(&token, &order).await.is_ok(),
        "the window moved on"
    );
    assert_eq!(
        FIRST_ORDER_ID + 22,
        sandbox
            .portal
            .create_order(&token, &order)
            .await
            .expect("order")
    );
}

#[tokio::test]
async fn an_expired_token_is_401_in_the_portals_format() {
    let (sandbox, clock, token) = sandbox().await;
    clock.advance(Duration::hours(1));
    let (status, code) = refusal(
        sandbox
            .portal
            .create_order(&token, &meta("10000000109").meta)
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "access_denied_user")
    );
}

#[tokio::test]
async fn injected_outage_and_errors_hit_the_api_until_cleared() {
    let (sandbox, clock, token) = sandbox().await;
    let faults = sandbox.base.join("sandbox-api/faults").expect("url");
    let invalid = sandbox
        .http
        .put(faults.clone())
        .json(&serde_json::json!({ "error_rate": 2.0 }))
        .send()
        .await
        .expect("send");
    assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);

    let set = sandbox
        .http
        .put(faults.clone())
        .json(&serde_json::json!({ "outage_seconds": 60 }))
        .send()
        .await
        .expect("send");
    let state: serde_json::Value = set.json().await.expect("json");
    assert_eq!(state["outage_remaining_seconds"], 60);
    let (status, _) = refusal(sandbox.portal.services().await);
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    clock.advance(Duration::seconds(61));
    assert!(
        sandbox.portal.services().await.is_ok(),
        "the outage window ended"
    );

    sandbox
        .http
        .put(faults.clone())
        .json(&serde_json::json!({ "error_rate": 1.0 }))
        .send()
        .await
        .expect("send");
    let (status, code) = refusal(
        sandbox
            .portal
            .create_order(&token, &meta("10000000109").meta)
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
    );
    sandbox.http.delete(faults).send().await.expect("send");
    assert!(
        sandbox
            .portal
            .create_order(&token, &meta("10000000109").meta)
            .await
            .is_ok()
    );
    let _ = clock.now();
}

mod golden;
