//! okno terminating TLS itself: TLS 1.3 by default with HSTS, older clients refused.

use crate::helpers::spawn_with;

#[tokio::test]
async fn tls_is_1_3_by_default_and_answers_with_hsts() {
    let dir = tempfile::tempdir().expect("dir");
    let issued = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).expect("cert");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, issued.cert.pem()).expect("write");
    std::fs::write(&key, issued.signing_key.serialize_pem()).expect("write");
    let app = spawn_with(|settings| {
        settings.tls_cert_file = Some(cert.clone());
        settings.tls_key_file = Some(key.clone());
    })
    .await;
    assert!(app.base.starts_with("https://"), "{}", app.base);
    let root = reqwest::Certificate::from_pem(issued.cert.pem().as_bytes()).expect("root");

    let client = reqwest::Client::builder()
        .add_root_certificate(root.clone())
        .build()
        .expect("client");
    let response = client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("https");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );

    let old = reqwest::Client::builder()
        .add_root_certificate(root)
        .max_tls_version(reqwest::tls::Version::TLS_1_2)
        .build()
        .expect("client");
    assert!(
        old.get(format!("{}/healthz", app.base))
            .send()
            .await
            .is_err(),
        "a TLS 1.2 client is refused by default"
    );
}

#[tokio::test]
async fn plain_http_has_no_hsts() {
    let app = crate::helpers::spawn_app().await;
    let response = app.get("/healthz").await;
    assert!(!response.headers().contains_key("strict-transport-security"));
}
