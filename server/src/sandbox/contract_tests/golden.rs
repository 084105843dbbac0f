//! Golden files: the sandbox's answers byte for byte (volatile values masked), so a change of
//! shape is a deliberate, reviewed change of a file in `golden/`.

use reqwest::StatusCode;

use super::{STEP, meta, request, sandbox};

/// Compares an answer with its golden file in `golden/`; `UPDATE_GOLDEN=1` rewrites the file.
fn assert_golden(name: &str, actual: &serde_json::Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/sandbox/golden")
        .join(name);
    let pretty = serde_json::to_string_pretty(actual).expect("json") + "\n";
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &pretty).expect("write golden");
    }
    let golden = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(pretty, golden, "{name} differs from its golden file");
}

#[tokio::test]
async fn answers_match_the_golden_shapes() {
    let (sandbox, clock, token) = sandbox().await;
    let id = sandbox
        .portal
        .push(&token, &meta("10000000109"), request("Иванова"))
        .await
        .expect("push");
    clock.advance(STEP * 4);
    let post = |path: String| {
        sandbox
            .http
            .post(sandbox.base.join(&path).expect("url"))
            .bearer_auth(&token)
    };

    let mut details: serde_json::Value = post(format!("api/gusmev/order/{id}"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    details["messageId"] = serde_json::json!("<random>");
    let order: serde_json::Value =
        serde_json::from_str(details["order"].as_str().expect("string")).expect("order");
    details["order"] = serde_json::json!("<the order object below, as a string>");
    assert_golden("order_details.json", &details);
    assert_golden("order_object.json", &order);

    let updated = sandbox
        .http
        .get(sandbox.base.join("api/gusmev/order/getUpdatedAfter?pageNum=0&pageSize=5&updatedAfter=2020-01-01T00:00:00.000").expect("url"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_golden(
        "get_updated_after.json",
        &updated.json().await.expect("json"),
    );

    let dictionary = sandbox
        .http
        .post(sandbox.base.join("api/nsi/v1/dictionary/EPGU_SERVICES").expect("url"))
        .json(&serde_json::json!({"treeFiltering": "ONELEVEL", "parentRefItemValue": "", "pageNum": 1, "pageSize": 2}))
        .send()
        .await
        .expect("send");
    assert_golden(
        "dictionary_page.json",
        &dictionary.json().await.expect("json"),
    );

    let unknown = post("api/gusmev/order/1/cancel?reason=x".to_owned())
        .send()
        .await
        .expect("send");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_golden("error_not_found.json", &unknown.json().await.expect("json"));
}
