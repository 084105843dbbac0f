//! Unit tests for the signature profile: each refusal with its exact code, happy paths, the
//! RFC 9421 B.2.6 vector, and interop with Python's http-message-signatures.

use base64::{Engine, engine::general_purpose::STANDARD};
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey};

use super::*;

const NOW: i64 = 1_764_260_000;
const SECRET: &str = "sk_test_4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a99";
const KEY_ID: &str = "key_test_1";
const NONCE: &str = "n-7f9c2ba4e88f827d";
const JSON: &str = "application/json";
const BODY: &[u8] = br#"{"scenario":"approve","amount":1500}"#;
const PATH: &str = "/v1/sessions?mode=test&ref=A%2FB";

fn request(method: &str, uri: &str, content_type: Option<&str>) -> Parts {
    let mut builder = http::Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "API.okno.test");
    if let Some(content_type) = content_type {
        builder = builder.header("content-type", content_type);
    }
    builder.body(()).unwrap().into_parts().0
}

fn hmac_key() -> SigningKey {
    SigningKey::Hmac(SECRET.as_bytes().to_vec())
}

fn ed25519_key(seed: u8) -> SigningKey {
    SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[seed; 32]))
}

/// A POST with a query and a JSON body, signed with `key` for [NOW, NOW + 300].
fn signed_post(key: &SigningKey) -> Parts {
    let mut parts = request("POST", PATH, Some(JSON));
    sign(&mut parts, BODY, KEY_ID, key, NOW, NOW + 300, NONCE).unwrap();
    parts
}

fn check(parts: &Parts, body: &[u8], key: &VerifyingKey) -> Result<SignedRequest, SignatureError> {
    check_at(parts, body, key, NOW + 10)
}

fn check_at(
    parts: &Parts,
    body: &[u8],
    key: &VerifyingKey,
    now: i64,
) -> Result<SignedRequest, SignatureError> {
    let claims = inspect(parts, body, now, &Policy::default())?;
    claims.verify(key)?;
    Ok(claims)
}

fn code<T: fmt::Debug>(result: Result<T, SignatureError>) -> &'static str {
    result.unwrap_err().code()
}

fn set(parts: &mut Parts, name: &'static str, value: &str) {
    parts
        .headers
        .insert(name, HeaderValue::from_str(value).unwrap());
}

fn header<'a>(parts: &'a Parts, name: &str) -> &'a str {
    parts.headers.get(name).unwrap().to_str().unwrap()
}

/// Signs with a hand-written Signature-Input member (`("…" …);params`), so a test can make a
/// request that is correctly signed yet breaks one rule of the profile.
fn sign_raw(parts: &mut Parts, body: &[u8], key: &SigningKey, member: &str) {
    let digest = format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(body)));
    set(parts, "content-digest", &digest);
    let input = format!("sig1={member}");
    let dict: Dictionary = Parser::new(&input).parse().unwrap();
    let Some(ListEntry::InnerList(covered)) = dict.get("sig1") else {
        panic!("not an inner list: {member}");
    };
    let base = signature_base(parts, covered).unwrap();
    let signature = key.sign_base(base.as_bytes()).unwrap();
    set(parts, "signature-input", &input);
    set(
        parts,
        "signature",
        &format!("sig1=:{}:", STANDARD.encode(signature)),
    );
}

const ALL: &str = r#"("@method" "@authority" "@path" "@query" "content-digest" "content-type")"#;
fn params(created: i64, expires: i64) -> String {
    format!(r#";created={created};expires={expires};nonce="{NONCE}";keyid="{KEY_ID}";tag="okno""#)
}

// ---- happy paths ----

#[test]
fn hmac_request_with_query_and_body_verifies() {
    let parts = signed_post(&hmac_key());
    assert_eq!(
        header(&parts, "signature-input"),
        format!("sig1={ALL}{}", params(NOW, NOW + 300))
    );
    assert_eq!(
        header(&parts, "content-digest"),
        format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(BODY)))
    );
    let claims = check(&parts, BODY, &hmac_key().verifying_key()).unwrap();
    assert_eq!(claims.key_id, KEY_ID);
    assert_eq!(claims.nonce, NONCE);
    assert_eq!((claims.created, claims.expires), (NOW, NOW + 300));
}

#[test]
fn ed25519_request_with_query_and_body_verifies() {
    let key = ed25519_key(7);
    let parts = signed_post(&key);
    let signature = header(&parts, "signature");
    assert!(signature.starts_with("sig1=:") && signature.ends_with(':'));
    check(&parts, BODY, &key.verifying_key()).unwrap();
}

#[test]
fn empty_body_without_content_type_verifies_for_both_algorithms() {
    for key in [hmac_key(), ed25519_key(9)] {
        let mut parts = request("GET", "/v1/sessions/s_1", None);
        sign(&mut parts, b"", KEY_ID, &key, NOW, NOW + 60, NONCE).unwrap();
        assert_eq!(
            header(&parts, "signature-input"),
            format!(
                r#"sig1=("@method" "@authority" "@path" "@query" "content-digest"){}"#,
                params(NOW, NOW + 60)
            )
        );
        // SHA-256 of nothing: the digest is still required and checked.
        assert_eq!(
            header(&parts, "content-digest"),
            "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
        );
        check(&parts, b"", &key.verifying_key()).unwrap();
    }
}

#[test]
fn the_signature_base_follows_the_profile() {
    let parts = signed_post(&hmac_key());
    let claims = inspect(&parts, BODY, NOW, &Policy::default()).unwrap();
    let digest = header(&parts, "content-digest");
    assert_eq!(
        claims.base,
        format!(
            "\"@method\": POST\n\
             \"@authority\": api.okno.test\n\
             \"@path\": /v1/sessions\n\
             \"@query\": ?mode=test&ref=A%2FB\n\
             \"content-digest\": {digest}\n\
             \"content-type\": application/json\n\
             \"@signature-params\": {ALL}{}",
            params(NOW, NOW + 300)
        )
    );
}

#[test]
fn a_request_without_a_query_signs_a_bare_question_mark() {
    let mut parts = request("DELETE", "/v1/keys/k_1", None);
    sign(&mut parts, b"", KEY_ID, &hmac_key(), NOW, NOW + 300, NONCE).unwrap();
    let claims = inspect(&parts, b"", NOW, &Policy::default()).unwrap();
    assert!(claims.base.contains("\"@query\": ?\n"), "{}", claims.base);
    assert!(claims.base.contains("\"@path\": /v1/keys/k_1\n"));
}

#[test]
fn http2_requests_take_the_authority_from_the_uri() {
    let key = hmac_key();
    let mut parts = http::Request::builder()
        .method("POST")
        .uri("https://Api.Okno.Test:8443/v1/sessions?x=1")
        .header("content-type", JSON)
        .body(())
        .unwrap()
        .into_parts()
        .0;
    sign(&mut parts, BODY, KEY_ID, &key, NOW, NOW + 300, NONCE).unwrap();
    let claims = check(&parts, BODY, &key.verifying_key()).unwrap();
    assert!(claims.base.contains("\"@authority\": api.okno.test:8443\n"));
}

#[test]
fn header_values_are_trimmed_and_multiple_lines_joined() {
    let key = hmac_key();
    let mut parts = request("POST", PATH, Some(JSON));
    parts
        .headers
        .append("x-partner-ref", HeaderValue::from_static("  a "));
    parts
        .headers
        .append("x-partner-ref", HeaderValue::from_static("b"));
    let member = format!(
        r#"("@method" "@authority" "@path" "@query" "content-digest" "content-type" "x-partner-ref"){}"#,
        params(NOW, NOW + 300)
    );
    sign_raw(&mut parts, BODY, &key, &member);
    let claims = check(&parts, BODY, &key.verifying_key()).unwrap();
    assert!(claims.base.contains("\"x-partner-ref\": a, b\n"));
}

#[test]
fn a_signature_input_split_over_two_lines_is_one_dictionary() {
    let key = hmac_key();
    let mut parts = signed_post(&key);
    let input = header(&parts, "signature-input").to_owned();
    parts.headers.insert(
        "signature-input",
        HeaderValue::from_static(r#"other=("@method");created=1;keyid="x""#),
    );
    parts
        .headers
        .append("signature-input", HeaderValue::from_str(&input).unwrap());
    let signature = header(&parts, "signature").to_owned();
    set(
        &mut parts,
        "signature",
        &format!("other=:AAAA:, {signature}"),
    );
    check(&parts, BODY, &key.verifying_key()).unwrap();
}

#[test]
fn the_okno_tagged_signature_is_chosen_among_several() {
    let key = hmac_key();
    let mut parts = signed_post(&key);
    let input = header(&parts, "signature-input").to_owned();
    let signature = header(&parts, "signature").to_owned();
    set(
        &mut parts,
        "signature-input",
        &format!(r#"proxy=("@method");created=1;keyid="p";tag="proxy", {input}"#),
    );
    set(
        &mut parts,
        "signature",
        &format!("proxy=:AAAA:, {signature}"),
    );
    check(&parts, BODY, &key.verifying_key()).unwrap();
}

#[test]
fn a_single_untagged_signature_is_accepted() {
    let key = ed25519_key(3);
    let mut parts = request("POST", PATH, Some(JSON));
    let member = format!(
        r#"{ALL};created={NOW};expires={};nonce="n";keyid="k""#,
        NOW + 60
    );
    sign_raw(&mut parts, BODY, &key, &member);
    check(&parts, BODY, &key.verifying_key()).unwrap();
}

#[test]
fn a_matching_alg_parameter_is_accepted() {
    let key = ed25519_key(4);
    let mut parts = request("POST", PATH, Some(JSON));
    let member = format!(r#"{ALL}{};alg="ed25519""#, params(NOW, NOW + 60));
    sign_raw(&mut parts, BODY, &key, &member);
    check(&parts, BODY, &key.verifying_key()).unwrap();
}

// ---- missing and malformed headers ----

#[test]
fn missing_signature_headers_are_signature_missing() {
    let key = hmac_key();
    for absent in [
        &["signature-input"][..],
        &["signature"],
        &["signature-input", "signature"],
    ] {
        let mut parts = signed_post(&key);
        for name in absent {
            parts.headers.remove(*name);
        }
        assert_eq!(
            code(check(&parts, BODY, &key.verifying_key())),
            "signature_missing",
            "without {absent:?}"
        );
    }
    let mut parts = signed_post(&key);
    set(&mut parts, "signature-input", "");
    assert_eq!(
        code(check(&parts, BODY, &key.verifying_key())),
        "signature_missing"
    );
}

#[test]
fn an_unsigned_request_is_signature_missing() {
    let parts = request("POST", PATH, Some(JSON));
    let result = inspect(&parts, BODY, NOW, &Policy::default());
    assert_eq!(code(result), "signature_missing");
}

#[test]
fn garbage_signature_headers_are_malformed() {
    let key = hmac_key();
    for (name, value) in [
        ("signature-input", "sig1=(\"@method\" \"@path\""),
        ("signature-input", "this is not a dictionary"),
        ("signature-input", "sig1=(\"@method\";created=1"),
        ("signature", "sig1=:not base64!:"),
        ("signature", "sig1=(1 2)"),
        ("signature", "sig1=\"text\""),
        ("signature", "other=:AAAA:"),
    ] {
        let mut parts = signed_post(&key);
        set(&mut parts, name, value);
        assert_eq!(
            code(check(&parts, BODY, &key.verifying_key())),
            "signature_malformed",
            "{name}: {value}"
        );
    }
}

#[test]
fn a_signature_input_member_that_is_not_an_inner_list_is_malformed() {
    let key = hmac_key();
    let mut parts = signed_post(&key);
    set(
        &mut parts,
        "signature-input",
        r#"sig1="@method";tag="okno""#,
    );
    assert_eq!(
        code(check(&parts, BODY, &key.verifying_key())),
        "signature_malformed"
    );
}

#[test]
fn empty_and_truncated_signatures_are_invalid() {
    for key in [hmac_key(), ed25519_key(5)] {
        let mut parts = signed_post(&key);
        set(&mut parts, "signature", "sig1=::");
        assert_eq!(
            code(check(&parts, BODY, &key.verifying_key())),
            "signature_invalid"
        );

        let mut parts = signed_post(&key);
        let bytes = STANDARD
            .decode(
                header(&parts, "signature")
                    .trim_start_matches("sig1=:")
                    .trim_end_matches(':'),
            )
            .unwrap();
        let truncated = format!("sig1=:{}:", STANDARD.encode(&bytes[..bytes.len() - 1]));
        set(&mut parts, "signature", &truncated);
        assert_eq!(
            code(check(&parts, BODY, &key.verifying_key())),
            "signature_invalid"
        );

        let mut parts = signed_post(&key);
        let longer = format!("sig1=:{}:", STANDARD.encode([&bytes[..], &[0]].concat()));
        set(&mut parts, "signature", &longer);
        assert_eq!(
            code(check(&parts, BODY, &key.verifying_key())),
            "signature_invalid"
        );
    }
}

#[test]
fn each_required_parameter_must_be_present_with_its_type() {
    let key = hmac_key();
    let cases = [
        format!(r#"{ALL};expires={};nonce="n";keyid="k""#, NOW + 60),
        format!(r#"{ALL};created={NOW};nonce="n";keyid="k""#),
        format!(r#"{ALL};created={NOW};expires={};keyid="k""#, NOW + 60),
        format!(r#"{ALL};created={NOW};expires={};nonce="n""#, NOW + 60),
        format!(
            r#"{ALL};created="{NOW}";expires={};nonce="n";keyid="k""#,
            NOW + 60
        ),
        format!(
            r#"{ALL};created={NOW};expires=@{};nonce="n";keyid="k""#,
            NOW + 60
        ),
        format!(
            r#"{ALL};created={NOW}.5;expires={};nonce="n";keyid="k""#,
            NOW + 60
        ),
        format!(
            r#"{ALL};created={NOW};expires={};nonce=n;keyid="k""#,
            NOW + 60
        ),
        format!(
            r#"{ALL};created={NOW};expires={};nonce="";keyid="k""#,
            NOW + 60
        ),
        format!(
            r#"{ALL};created={NOW};expires={};nonce="n";keyid=k"#,
            NOW + 60
        ),
        format!(
            r#"{ALL};created={NOW};expires={};nonce="n";keyid="""#,
            NOW + 60
        ),
        format!(
            r#"{ALL};created={NOW};expires={};nonce="n";keyid="k";alg=ed25519"#,
            NOW + 60
        ),
        format!(
            r#"{ALL};created={NOW};expires={};nonce="n";keyid="k";tag=okno"#,
            NOW + 60
        ),
    ];
    for member in cases {
        let mut parts = request("POST", PATH, Some(JSON));
        sign_raw(&mut parts, BODY, &key, &member);
        assert_eq!(
            code(check(&parts, BODY, &key.verifying_key())),
            "signature_malformed",
            "{member}"
        );
    }
}

#[test]
fn a_tag_other_than_okno_is_malformed() {
    let key = hmac_key();
    let mut parts = request("POST", PATH, Some(JSON));
    let member = format!(
        r#"{ALL};created={NOW};expires={};nonce="n";keyid="k";tag="other""#,
        NOW + 60
    );
    sign_raw(&mut parts, BODY, &key, &member);
    assert_eq!(
        code(check(&parts, BODY, &key.verifying_key())),
        "signature_malformed"
    );
}

#[test]
fn several_untagged_signatures_are_malformed() {
    let key = hmac_key();
    let mut parts = request("POST", PATH, Some(JSON));
    let member = format!(
        r#"{ALL};created={NOW};expires={};nonce="n";keyid="k""#,
        NOW + 60
    );
    sign_raw(&mut parts, BODY, &key, &member);
    let input = header(&parts, "signature-input").to_owned();
    let signature = header(&parts, "signature").to_owned();
    set(
        &mut parts,
        "signature-input",
        &format!(r#"{input}, sig2=("@method");created=1;keyid="x""#),
    );
    set(
        &mut parts,
        "signature",
        &format!("{signature}, sig2=:AAAA:"),
    );
    assert_eq!(
        code(check(&parts, BODY, &key.verifying_key())),
        "signature_malformed"
    );
}

#[test]
fn unsupported_component_forms_are_malformed() {
    let key = hmac_key();
    let tail = params(NOW, NOW + 60);
    for covered in [
        r#"("@method" "@authority" "@path" "@query" "content-digest" "content-type" "content-type")"#,
        r#"("@method" "@authority" "@path" "@query" "content-digest" "Content-Type")"#,
        r#"("@method" "@authority" "@path" "@query" "content-digest";sf "content-type")"#,
        r#"("@method" "@authority" "@path" "@query" "content-digest" "content-type" "@target-uri")"#,
        r#"("@method" "@authority" "@path" "@query" "content-digest" content-type)"#,
    ] {
        let mut parts = request("POST", PATH, Some(JSON));
        // Not through sign_raw: the base of such a request cannot be built, which is the point.
        sign_raw(&mut parts, BODY, &key, &format!("{ALL}{tail}"));
        set(
            &mut parts,
            "signature-input",
            &format!("sig1={covered}{tail}"),
        );
        assert_eq!(
            code(check(&parts, BODY, &key.verifying_key())),
            "signature_malformed",
            "{covered}"
        );
    }
}

// ---- time ----

#[test]
fn a_window_longer_than_300_seconds_is_refused() {
    let key = hmac_key();
    let mut parts = request("POST", PATH, Some(JSON));
    sign(&mut parts, BODY, KEY_ID, &key, NOW, NOW + 301, NONCE).unwrap();
    assert_eq!(
        code(check(&parts, BODY, &key.verifying_key())),
        "signature_window_too_long"
    );
    let mut parts = request("POST", PATH, Some(JSON));
    sign(&mut parts, BODY, KEY_ID, &key, NOW, NOW + 300, NONCE).unwrap();
    check(&parts, BODY, &key.verifying_key()).unwrap();
}

#[test]
fn a_shorter_policy_window_is_enforced() {
    let key = hmac_key();
    let parts = signed_post(&key);
    let policy = Policy {
        max_window: 60,
        ..Policy::default()
    };
    let result = inspect(&parts, BODY, NOW, &policy);
    assert_eq!(
        result.unwrap_err(),
        SignatureError::WindowTooLong { max_seconds: 60 }
    );
}

#[test]
fn expires_not_after_created_is_malformed() {
    let key = hmac_key();
    for expires in [NOW, NOW - 1] {
        let mut parts = request("POST", PATH, Some(JSON));
        sign(&mut parts, BODY, KEY_ID, &key, NOW, expires, NONCE).unwrap();
        assert_eq!(
            code(check_at(&parts, BODY, &key.verifying_key(), NOW - 5)),
            "signature_malformed"
        );
    }
}

#[test]
fn an_expired_signature_is_refused() {
    let key = hmac_key();
    let parts = signed_post(&key);
    let verifying = key.verifying_key();
    assert_eq!(
        code(check_at(&parts, BODY, &verifying, NOW + 301)),
        "signature_expired"
    );
    // The last second is still valid.
    check_at(&parts, BODY, &verifying, NOW + 300).unwrap();
}

#[test]
fn created_in_the_future_is_refused_beyond_the_skew_only() {
    let key = ed25519_key(6);
    let verifying = key.verifying_key();
    let mut parts = request("POST", PATH, Some(JSON));
    sign(&mut parts, BODY, KEY_ID, &key, NOW + 31, NOW + 90, NONCE).unwrap();
    assert_eq!(
        code(check_at(&parts, BODY, &verifying, NOW)),
        "signature_not_yet_valid"
    );

    let mut parts = request("POST", PATH, Some(JSON));
    sign(&mut parts, BODY, KEY_ID, &key, NOW + 30, NOW + 90, NONCE).unwrap();
    check_at(&parts, BODY, &verifying, NOW).unwrap();

    let strict = Policy {
        skew: 0,
        ..Policy::default()
    };
    assert_eq!(
        code(inspect(&parts, BODY, NOW, &strict)),
        "signature_not_yet_valid"
    );
}

// ---- what the signature covers ----

#[test]
fn a_body_changed_after_signing_is_digest_mismatch() {
    let key = hmac_key();
    let parts = signed_post(&key);
    let changed = br#"{"scenario":"approve","amount":150000}"#;
    assert_eq!(
        code(check(&parts, changed, &key.verifying_key())),
        "digest_mismatch"
    );
    assert_eq!(
        code(check(&parts, b"", &key.verifying_key())),
        "digest_mismatch"
    );
}

#[test]
fn a_digest_recomputed_for_a_changed_body_is_signature_invalid() {
    for key in [hmac_key(), ed25519_key(8)] {
        let mut parts = signed_post(&key);
        let changed = br#"{"scenario":"approve","amount":150000}"#;
        let digest = format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(changed)));
        set(&mut parts, "content-digest", &digest);
        assert_eq!(
            code(check(&parts, changed, &key.verifying_key())),
            "signature_invalid"
        );
    }
}

#[test]
fn content_digest_must_hold_a_sha256_byte_sequence() {
    let key = hmac_key();
    let sha512 = format!("sha-512=:{}:", STANDARD.encode(sha2::Sha512::digest(BODY)));
    for value in [
        sha512.as_str(),
        "sha-256=\"abc\"",
        "sha-256=(:AAAA:)",
        "not a dictionary",
    ] {
        let mut parts = signed_post(&key);
        set(&mut parts, "content-digest", value);
        assert_eq!(
            code(check(&parts, BODY, &key.verifying_key())),
            "signature_malformed",
            "{value}"
        );
    }
}

#[test]
fn a_content_digest_with_an_extra_algorithm_still_verifies_its_sha256() {
    let key = hmac_key();
    let mut parts = request("POST", PATH, Some(JSON));
    let sha512 = STANDARD.encode(sha2::Sha512::digest(BODY));
    sign_raw(
        &mut parts,
        BODY,
        &key,
        &format!("{ALL}{}", params(NOW, NOW + 60)),
    );
    // Re-sign with a two-member digest: the base covers the header as sent.
    let digest = format!(
        "sha-512=:{sha512}:, sha-256=:{}:",
        STANDARD.encode(Sha256::digest(BODY))
    );
    set(&mut parts, "content-digest", &digest);
    let input = header(&parts, "signature-input").to_owned();
    let dict: Dictionary = Parser::new(&input).parse().unwrap();
    let Some(ListEntry::InnerList(covered)) = dict.get("sig1") else {
        panic!()
    };
    let base = signature_base(&parts, covered).unwrap();
    let signature = key.sign_base(base.as_bytes()).unwrap();
    set(
        &mut parts,
        "signature",
        &format!("sig1=:{}:", STANDARD.encode(signature)),
    );
    check(&parts, BODY, &key.verifying_key()).unwrap();
}

#[test]
fn a_missing_content_digest_header_is_component_missing() {
    let key = hmac_key();
    let mut parts = signed_post(&key);
    parts.headers.remove("content-digest");
    assert_eq!(
        code(check(&parts, BODY, &key.verifying_key())),
        "component_missing"
    );
}

#[test]
fn changing_the_path_query_method_or_authority_is_signature_invalid() {
    for key in [hmac_key(), ed25519_key(10)] {
        let verifying = key.verifying_key();
        let original = signed_post(&key);

        let mut parts = original.clone();
        parts.uri = "/v1/refunds?mode=test&ref=A%2FB".parse().unwrap();
        assert_eq!(code(check(&parts, BODY, &verifying)), "signature_invalid");

        let mut parts = original.clone();
        parts.uri = "/v1/sessions?mode=live&ref=A%2FB".parse().unwrap();
        assert_eq!(code(check(&parts, BODY, &verifying)), "signature_invalid");

        let mut parts = original.clone();
        parts.uri = "/v1/sessions".parse().unwrap();
        assert_eq!(code(check(&parts, BODY, &verifying)), "signature_invalid");

        let mut parts = original.clone();
        parts.method = http::Method::PUT;
        assert_eq!(code(check(&parts, BODY, &verifying)), "signature_invalid");

        let mut parts = original.clone();
        set(&mut parts, "host", "evil.example");
        assert_eq!(code(check(&parts, BODY, &verifying)), "signature_invalid");

        let mut parts = original.clone();
        set(&mut parts, "content-type", "text/plain");
        assert_eq!(code(check(&parts, BODY, &verifying)), "signature_invalid");

        check(&original, BODY, &verifying).unwrap();
    }
}

#[test]
fn each_required_component_must_be_covered() {
    let key = hmac_key();
    let tail = params(NOW, NOW + 60);
    let all = [
        "@method",
        "@authority",
        "@path",
        "@query",
        "content-digest",
        "content-type",
    ];
    for left_out in all {
        let covered: Vec<String> = all
            .iter()
            .filter(|c| **c != left_out)
            .map(|c| format!("\"{c}\""))
            .collect();
        let mut parts = request("POST", PATH, Some(JSON));
        sign_raw(
            &mut parts,
            BODY,
            &key,
            &format!("({}){tail}", covered.join(" ")),
        );
        let error = check(&parts, BODY, &key.verifying_key()).unwrap_err();
        assert_eq!(error.code(), "component_missing", "without {left_out}");
        assert!(error.to_string().contains(left_out), "{error}");
    }
}

#[test]
fn content_type_need_not_be_covered_without_a_body() {
    let key = hmac_key();
    let mut parts = request("POST", "/v1/sessions/s_1/cancel", Some(JSON));
    let member = format!(
        r#"("@method" "@authority" "@path" "@query" "content-digest"){}"#,
        params(NOW, NOW + 60)
    );
    sign_raw(&mut parts, b"", &key, &member);
    check(&parts, b"", &key.verifying_key()).unwrap();
}

#[test]
fn a_covered_header_absent_from_the_request_is_component_missing() {
    let key = hmac_key();
    let member = format!(
        r#"("@method" "@authority" "@path" "@query" "content-digest" "content-type" "x-partner-ref"){}"#,
        params(NOW, NOW + 60)
    );
    let mut parts = request("POST", PATH, Some(JSON));
    parts
        .headers
        .insert("x-partner-ref", HeaderValue::from_static("r-1"));
    sign_raw(&mut parts, BODY, &key, &member);
    parts.headers.remove("x-partner-ref");
    assert_eq!(
        code(check(&parts, BODY, &key.verifying_key())),
        "component_missing"
    );

    let mut parts = signed_post(&key);
    parts.headers.remove("content-type");
    assert_eq!(
        code(check(&parts, BODY, &key.verifying_key())),
        "component_missing"
    );
}

#[test]
fn signing_a_body_without_content_type_is_refused() {
    let mut parts = request("POST", PATH, None);
    let result = sign(&mut parts, BODY, KEY_ID, &hmac_key(), NOW, NOW + 60, NONCE);
    assert_eq!(code(result), "component_missing");
}

// ---- keys and algorithms ----

#[test]
fn a_wrong_hmac_key_is_signature_invalid() {
    let parts = signed_post(&hmac_key());
    let wrong = VerifyingKey::Hmac(b"sk_test_somebody_else".to_vec());
    assert_eq!(code(check(&parts, BODY, &wrong)), "signature_invalid");
}

#[test]
fn a_wrong_ed25519_key_is_signature_invalid() {
    let parts = signed_post(&ed25519_key(11));
    let wrong = ed25519_key(12).verifying_key();
    assert_eq!(code(check(&parts, BODY, &wrong)), "signature_invalid");
}

#[test]
fn a_key_of_the_other_algorithm_is_signature_invalid() {
    let parts = signed_post(&ed25519_key(13));
    assert_eq!(
        code(check(&parts, BODY, &hmac_key().verifying_key())),
        "signature_invalid"
    );
    let parts = signed_post(&hmac_key());
    assert_eq!(
        code(check(&parts, BODY, &ed25519_key(13).verifying_key())),
        "signature_invalid"
    );
}

#[test]
fn an_alg_parameter_other_than_the_keys_is_signature_invalid() {
    let key = hmac_key();
    let mut parts = request("POST", PATH, Some(JSON));
    let member = format!(r#"{ALL}{};alg="ed25519""#, params(NOW, NOW + 60));
    sign_raw(&mut parts, BODY, &key, &member);
    // Well formed, and the HMAC itself is right: only the claimed algorithm is wrong.
    let claims = inspect(&parts, BODY, NOW, &Policy::default()).unwrap();
    assert_eq!(
        claims.verify(&key.verifying_key()),
        Err(SignatureError::Invalid)
    );

    let mut parts = request("POST", PATH, Some(JSON));
    let member = format!(r#"{ALL}{};alg="hmac-sha256""#, params(NOW, NOW + 60));
    sign_raw(&mut parts, BODY, &key, &member);
    check(&parts, BODY, &key.verifying_key()).unwrap();
}

#[test]
fn algorithms_round_trip_their_names() {
    for algorithm in [Algorithm::HmacSha256, Algorithm::Ed25519] {
        assert_eq!(algorithm.name().parse::<Algorithm>().unwrap(), algorithm);
        assert_eq!(algorithm.to_string(), algorithm.name());
    }
    assert!("rsa-pss-sha512".parse::<Algorithm>().is_err());
    assert_eq!(
        hmac_key().verifying_key().algorithm(),
        Algorithm::HmacSha256
    );
    assert_eq!(ed25519_key(1).algorithm(), Algorithm::Ed25519);
}

#[test]
fn debug_never_prints_an_hmac_secret() {
    let printed = format!("{:?} {:?}", hmac_key(), hmac_key().verifying_key());
    assert!(!printed.contains(SECRET), "{printed}");
    assert!(printed.contains("redacted"));
    let printed = format!("{:?}", ed25519_key(14));
    assert!(!printed.contains(&format!("{:?}", [14u8; 32])), "{printed}");
}

#[test]
fn error_codes_are_distinct_and_messages_say_what_to_do() {
    let errors = [
        SignatureError::Missing,
        SignatureError::Malformed("x".into()),
        SignatureError::ComponentMissing("x".into()),
        SignatureError::WindowTooLong { max_seconds: 300 },
        SignatureError::Expired,
        SignatureError::NotYetValid,
        SignatureError::DigestMismatch,
        SignatureError::Invalid,
    ];
    let codes: std::collections::HashSet<_> = errors.iter().map(SignatureError::code).collect();
    assert_eq!(codes.len(), errors.len());
    assert!(
        SignatureError::WindowTooLong { max_seconds: 300 }
            .to_string()
            .contains("300 seconds")
    );
}

// ---- RFC 9421 Appendix B.2.6 ----

const RFC_ED25519_PRIVATE: &str =
    "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF";
const RFC_ED25519_PUBLIC: &str = "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=";
const RFC_B26_SIGNATURE: &str =
    "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==";

/// The RFC's `test-request` (Appendix B.2) with the Signature-Input of B.2.6.
fn rfc_b26_request() -> Parts {
    let mut parts = http::Request::builder()
        .method("POST")
        .uri("/foo?param=Value&Pet=dog")
        .header("host", "example.com")
        .header("date", "Tue, 20 Apr 2021 02:07:55 GMT")
        .header("content-type", "application/json")
        .header(
            "content-digest",
            "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
        )
        .header("content-length", "18")
        .body(())
        .unwrap()
        .into_parts()
        .0;
    set(
        &mut parts,
        "signature-input",
        r#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#,
    );
    set(
        &mut parts,
        "signature",
        &format!("sig-b26=:{RFC_B26_SIGNATURE}:"),
    );
    parts
}

#[test]
fn rfc9421_b26_signature_base_and_signature() {
    let parts = rfc_b26_request();
    let inputs: Dictionary = Parser::new(header(&parts, "signature-input"))
        .parse()
        .unwrap();
    let (label, covered) = select(&inputs).unwrap();
    assert_eq!(label, "sig-b26");
    let base = signature_base(&parts, covered).unwrap();
    assert_eq!(
        base,
        "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\
         \"@method\": POST\n\
         \"@path\": /foo\n\
         \"@authority\": example.com\n\
         \"content-type\": application/json\n\
         \"content-length\": 18\n\
         \"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\""
    );

    let public = ed25519_dalek::VerifyingKey::from_public_key_der(
        &STANDARD.decode(RFC_ED25519_PUBLIC).unwrap(),
    )
    .unwrap();
    let signature = STANDARD.decode(RFC_B26_SIGNATURE).unwrap();
    verify_base(&VerifyingKey::Ed25519(public), base.as_bytes(), &signature).unwrap();

    // Ed25519 is deterministic: our signer reproduces the RFC's signature byte for byte.
    let private =
        ed25519_dalek::SigningKey::from_pkcs8_der(&STANDARD.decode(RFC_ED25519_PRIVATE).unwrap())
            .unwrap();
    assert_eq!(
        SigningKey::Ed25519(private)
            .sign_base(base.as_bytes())
            .unwrap(),
        signature
    );

    // The RFC's example is not okno's profile: it has no expires or nonce, and covers
    // neither @query nor the digest.
    let result = inspect(
        &parts,
        br#"{"hello": "world"}"#,
        1_618_884_473,
        &Policy::default(),
    );
    assert_eq!(code(result), "signature_malformed");
}

// ---- interop with Python's http-message-signatures ----

/// Runs `interop_sign.py` with `INTEROP_PYTHON` (a Python with http-message-signatures 3.x
/// and requests installed) and returns the headers it produced.
fn python_sign(
    python: &str,
    spec: &serde_json::Value,
) -> serde_json::Map<String, serde_json::Value> {
    use std::io::Write;
    let script = std::env::var("SIGNATURES_INTEROP_SCRIPT").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/sign_request.py").to_owned()
    });
    let mut child = std::process::Command::new(python)
        .arg(&script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(spec.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// PKCS#8 v1 (no public key): Python's cryptography (50.x) refuses the v2 document that
/// `SigningKey::to_pkcs8_der` writes.
fn ed25519_pem(key: &ed25519_dalek::SigningKey) -> String {
    let v1 = ed25519_dalek::pkcs8::KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    };
    let der = v1.to_pkcs8_der().unwrap();
    let body = STANDARD.encode(der.as_bytes());
    format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n")
}

#[test]
fn python_signed_requests_verify() {
    let Ok(python) = std::env::var("INTEROP_PYTHON") else {
        // `./x test` always sets it; a bare `cargo test` on a machine without the venv skips.
        assert!(
            std::env::var("TEST_REQUIRE_INTEROP").as_deref() != Ok("1"),
            "TEST_REQUIRE_INTEROP=1 but INTEROP_PYTHON is not set"
        );
        eprintln!(
            "skipping Python interop: set INTEROP_PYTHON to a python with http-message-signatures 3.x and requests"
        );
        return;
    };
    let ed25519 = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let hex_seed: String = ed25519
        .to_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let body = String::from_utf8(BODY.to_vec()).unwrap();
    let cases = [
        (
            "hmac-sha256 POST with a query and a body",
            serde_json::json!({"algorithm": "hmac-sha256", "secret": SECRET,
                "method": "POST", "path": PATH, "body": body}),
            VerifyingKey::Hmac(SECRET.as_bytes().to_vec()),
            VerifyingKey::Hmac(b"sk_test_not_this_one".to_vec()),
        ),
        (
            "hmac-sha256 GET without a body",
            serde_json::json!({"algorithm": "hmac-sha256", "secret": SECRET,
                "method": "GET", "path": "/v1/sessions/s_1"}),
            VerifyingKey::Hmac(SECRET.as_bytes().to_vec()),
            VerifyingKey::Hmac(format!("{SECRET}x").into_bytes()),
        ),
        (
            "ed25519 (PKCS#8 PEM) POST with a query and a body",
            serde_json::json!({"algorithm": "ed25519", "private_key_pem": ed25519_pem(&ed25519),
                "method": "POST", "path": PATH, "body": body}),
            VerifyingKey::Ed25519(ed25519.verifying_key()),
            ed25519_key(43).verifying_key(),
        ),
        (
            "ed25519 (hex seed) DELETE without a body",
            serde_json::json!({"algorithm": "ed25519", "private_key_hex": hex_seed,
                "method": "DELETE", "path": "/v1/keys/k_1"}),
            VerifyingKey::Ed25519(ed25519.verifying_key()),
            ed25519_key(44).verifying_key(),
        ),
    ];
    for (name, mut spec, right, wrong) in cases {
        let method = spec["method"].as_str().unwrap().to_owned();
        let path = spec["path"].as_str().unwrap().to_owned();
        let body = spec
            .get("body")
            .and_then(|b| b.as_str())
            .unwrap_or("")
            .to_owned();
        let content_type = (!body.is_empty()).then_some(JSON);
        let fields = spec.as_object_mut().unwrap();
        fields.insert("url".into(), format!("https://api.okno.test{path}").into());
        if let Some(content_type) = content_type {
            fields.insert(
                "headers".into(),
                serde_json::json!({"Content-Type": content_type}),
            );
        }
        fields.insert("key_id".into(), KEY_ID.into());
        fields.insert("created".into(), NOW.into());
        fields.insert("expires".into(), (NOW + 300).into());
        fields.insert("nonce".into(), NONCE.into());

        let headers = python_sign(&python, &spec);
        let mut parts = request(&method, &path, content_type);
        for (name, value) in &headers {
            let name = http::HeaderName::from_bytes(name.as_bytes()).unwrap();
            parts.headers.insert(
                name,
                HeaderValue::from_str(value.as_str().unwrap()).unwrap(),
            );
        }
        let claims = check(&parts, body.as_bytes(), &right)
            .unwrap_or_else(|e| panic!("{name}: {e} ({headers:?})"));
        assert_eq!(
            (claims.key_id.as_str(), claims.nonce.as_str()),
            (KEY_ID, NONCE)
        );
        assert_eq!(
            code(check(&parts, body.as_bytes(), &wrong)),
            "signature_invalid",
            "{name}"
        );
        // Python's signature carries alg: a key of the other algorithm is refused on it.
        let other = match right {
            VerifyingKey::Hmac(_) => ed25519_key(45).verifying_key(),
            VerifyingKey::Ed25519(_) => hmac_key().verifying_key(),
        };
        assert_eq!(
            code(check(&parts, body.as_bytes(), &other)),
            "signature_invalid",
            "{name}"
        );
        eprintln!("python interop ok: {name}");
    }
}
