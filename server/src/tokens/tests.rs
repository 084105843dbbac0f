//! Adversarial tests of issuing and verifying okno's tokens: each refusal with its exact code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, jwk::JwkSet};
use serde_json::{Value, json};

use super::*;

const ISS: &str = "https://okno.example";
/// 2001-09-09: an `exp` this old would fail any check against the real clock.
const T0: i64 = 1_000_000_000;

fn ring_with(kid: &str, not_before: i64) -> KeyRing {
    let mut ring = KeyRing::new();
    ring.generate_key(Some(kid.to_owned()), not_before, &mut rand::rng())
        .unwrap();
    ring
}

fn issuer() -> TokenIssuer {
    TokenIssuer::new(ISS, ring_with("jwk_a", T0 - 1000))
}

fn widget() -> WidgetSession {
    WidgetSession {
        partner_id: "prt_123".to_owned(),
        publishable_key: "pk_test_abc".to_owned(),
        origin: "https://shop.example".to_owned(),
        mode: Mode::Test,
    }
}

fn access() -> CitizenAccess {
    CitizenAccess {
        citizen_id: "ctz_opaque_42".to_owned(),
        partner_id: "prt_123".to_owned(),
        consent_id: "cns_7".to_owned(),
        scope: "passport snils".to_owned(),
        mode: Mode::Live,
    }
}

fn code<T: std::fmt::Debug>(result: Result<T, TokenError>) -> &'static str {
    match result {
        Ok(value) => panic!("expected a refusal, got {value:?}"),
        Err(error) => {
            assert!(!error.to_string().is_empty());
            error.code()
        }
    }
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn split(token: &str) -> (String, String, String) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    (
        parts[0].to_owned(),
        parts[1].to_owned(),
        parts[2].to_owned(),
    )
}

/// Replaces the base64url character at `at` with a different one.
fn flip_char(part: &str, at: usize) -> String {
    let mut chars: Vec<char> = part.chars().collect();
    chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

/// Standard widget claims as okno would issue them, for hand-made variants.
fn raw_widget_claims(now: i64) -> Value {
    json!({
        "iss": ISS, "aud": "okno:widget", "iat": now, "nbf": now, "exp": now + 600,
        "jti": "jti_raw", "sub": "prt_123", "pk": "pk_test_abc", "origin": "https://shop.example", "mode": "test",
    })
}

// ---- happy paths ----

#[test]
fn widget_session_round_trips() {
    let tokens = issuer();
    let issued = tokens.issue(&widget(), T0).unwrap();
    assert_eq!(issued.expires_at, T0 + 15 * 60);
    let verified = tokens.verify_widget(&issued.token, T0 + 1).unwrap();
    assert_eq!(verified.claims, widget());
    assert_eq!(verified.jti, issued.jti);
    assert_eq!(verified.kid, "jwk_a");
    assert_eq!(
        (verified.issued_at, verified.not_before, verified.expires_at),
        (T0, T0, T0 + 900)
    );

    let (header, payload, _) = split(&issued.token);
    assert_eq!(
        decode_part(&header),
        json!({"typ": "okno-widget+jwt", "alg": "EdDSA", "kid": "jwk_a"})
    );
    let payload = decode_part(&payload);
    assert_eq!(payload["iss"], ISS);
    assert_eq!(payload["aud"], "okno:widget");
    assert_eq!(payload["sub"], "prt_123");
    assert_eq!(payload["origin"], "https://shop.example");
    assert_eq!(payload["mode"], "test");
    assert_eq!(payload["jti"], issued.jti.as_str());
}

#[test]
fn citizen_access_round_trips() {
    let tokens = issuer();
    let issued = tokens.issue(&access(), T0).unwrap();
    assert_eq!(issued.expires_at, T0 + 10 * 60);
    let verified = tokens.verify_access(&issued.token, T0 + 599).unwrap();
    assert_eq!(verified.claims, access());
    assert!(verified.claims.has_scope("snils"));
    assert!(!verified.claims.has_scope("pass"));
    assert_eq!(
        verified.claims.scopes().collect::<Vec<_>>(),
        ["passport", "snils"]
    );

    let (header, payload, _) = split(&issued.token);
    assert_eq!(decode_part(&header)["typ"], "okno-access+jwt");
    let payload = decode_part(&payload);
    assert_eq!(payload["aud"], "okno:citizen");
    assert_eq!(payload["sub"], "ctz_opaque_42");
    assert_eq!(payload["client_id"], "prt_123");
    assert_eq!(payload["consent_id"], "cns_7");
    assert_eq!(payload["scope"], "passport snils");
    assert_eq!(payload["mode"], "live");
}

#[test]
fn shorter_lifetimes_are_issued_and_each_token_has_its_own_jti() {
    let tokens = issuer();
    let a = tokens.issue_for(&access(), T0, 60).unwrap();
    let b = tokens.issue_for(&access(), T0, 60).unwrap();
    assert_eq!(a.expires_at, T0 + 60);
    assert_ne!(a.jti, b.jti);
    assert_ne!(a.token, b.token);
    assert_eq!(
        tokens.verify_access(&a.token, T0 + 30).unwrap().expires_at,
        T0 + 60
    );
}

#[test]
fn verification_uses_now_not_the_system_clock() {
    // Expired long ago by the real clock, valid at the `now` given.
    let tokens = issuer();
    let old = tokens.issue(&widget(), T0).unwrap();
    assert!(tokens.verify_widget(&old.token, T0 + 10).is_ok());
    // Not yet valid by the real clock (2096), valid at the `now` given.
    let future = 4_000_000_000;
    let tokens = TokenIssuer::new(ISS, ring_with("jwk_f", future));
    let issued = tokens.issue(&widget(), future).unwrap();
    assert!(tokens.verify_widget(&issued.token, future + 10).is_ok());
}

// ---- refusals: issuing ----

#[test]
fn issuing_refuses_lifetimes_out_of_range_and_a_ring_with_no_active_key() {
    let tokens = issuer();
    assert_eq!(
        code(tokens.issue_for(&widget(), T0, 15 * 60 + 1)),
        "token_issue_failed"
    );
    assert_eq!(
        code(tokens.issue_for(&access(), T0, 10 * 60 + 1)),
        "token_issue_failed"
    );
    assert_eq!(
        code(tokens.issue_for(&access(), T0, 0)),
        "token_issue_failed"
    );
    // The only key starts signing at T0 - 1000.
    assert_eq!(
        code(tokens.issue(&widget(), T0 - 1001)),
        "token_issue_failed"
    );
    let empty = TokenIssuer::new(ISS, KeyRing::new());
    assert_eq!(code(empty.issue(&widget(), T0)), "token_issue_failed");
}

// ---- refusals: time ----

#[test]
fn expired_tokens_are_refused_after_the_leeway() {
    let tokens = issuer();
    let issued = tokens.issue(&widget(), T0).unwrap();
    let exp = issued.expires_at;
    assert!(tokens.verify_widget(&issued.token, exp + 4).is_ok());
    let refused = tokens.verify_widget(&issued.token, exp + 5);
    assert_eq!(
        refused,
        Err(TokenError::Expired {
            expired_at: exp,
            now: exp + 5
        })
    );
    assert_eq!(code(refused), "token_expired");

    let strict = TokenIssuer::new(ISS, ring_with("jwk_a", T0 - 1000)).with_leeway(0);
    let issued = strict.issue(&access(), T0).unwrap();
    assert!(
        strict
            .verify_access(&issued.token, issued.expires_at - 1)
            .is_ok()
    );
    assert_eq!(
        code(strict.verify_access(&issued.token, issued.expires_at)),
        "token_expired"
    );
}

#[test]
fn tokens_before_their_nbf_are_refused() {
    let tokens = issuer();
    let mut claims = raw_widget_claims(T0);
    claims["nbf"] = json!(T0 + 100);
    let token = tokens.sign_raw("okno-widget+jwt", &claims, T0).unwrap();
    assert_eq!(
        code(tokens.verify_widget(&token, T0)),
        "token_not_yet_valid"
    );
    assert_eq!(
        code(tokens.verify_widget(&token, T0 + 94)),
        "token_not_yet_valid"
    );
    assert!(tokens.verify_widget(&token, T0 + 95).is_ok());

    // An issued token seen by a verifier whose clock is behind: fine within the leeway only.
    let issued = tokens.issue(&widget(), T0).unwrap();
    assert!(tokens.verify_widget(&issued.token, T0 - 5).is_ok());
    assert_eq!(
        tokens.verify_widget(&issued.token, T0 - 6),
        Err(TokenError::NotYetValid {
            valid_from: T0,
            now: T0 - 6
        })
    );
}

#[test]
fn lifetimes_longer_than_the_kind_allows_are_refused() {
    let tokens = issuer();
    let mut claims = raw_widget_claims(T0);
    claims["exp"] = json!(T0 + 15 * 60 + 1);
    let token = tokens.sign_raw("okno-widget+jwt", &claims, T0).unwrap();
    assert_eq!(code(tokens.verify_widget(&token, T0 + 1)), "token_invalid");

    // 15 minutes is a fine widget session, but too long for citizen access.
    let mut claims = json!({
        "iss": ISS, "aud": "okno:citizen", "iat": T0, "nbf": T0, "exp": T0 + 15 * 60,
        "jti": "j", "sub": "c", "client_id": "p", "consent_id": "k", "scope": "s", "mode": "test",
    });
    let token = tokens.sign_raw("okno-access+jwt", &claims, T0).unwrap();
    assert_eq!(code(tokens.verify_access(&token, T0 + 1)), "token_invalid");
    claims["exp"] = json!(T0 + 10 * 60);
    let token = tokens.sign_raw("okno-access+jwt", &claims, T0).unwrap();
    assert!(tokens.verify_access(&token, T0 + 1).is_ok());

    // An exp before iat is no lifetime at all.
    let mut claims = raw_widget_claims(T0);
    claims["exp"] = json!(T0 - 1);
    let token = tokens.sign_raw("okno-widget+jwt", &claims, T0).unwrap();
    assert_eq!(code(tokens.verify_widget(&token, T0 - 10)), "token_invalid");
}

// ---- refusals: tampering and algorithm confusion ----

#[test]
fn a_tampered_payload_is_refused() {
    let tokens = issuer();
    let issued = tokens.issue(&widget(), T0).unwrap();
    let (header, payload, signature) = split(&issued.token);
    for at in [0, payload.len() / 2, payload.len() - 2] {
        let forged = format!("{header}.{}.{signature}", flip_char(&payload, at));
        assert_eq!(code(tokens.verify_widget(&forged, T0 + 1)), "token_invalid");
    }
    // A payload re-encoded with different claims, old signature kept.
    let mut claims = decode_part(&payload);
    claims["sub"] = json!("prt_evil");
    let forged = format!("{header}.{}.{signature}", b64(&claims));
    assert_eq!(code(tokens.verify_widget(&forged, T0 + 1)), "token_invalid");
}

#[test]
fn a_tampered_signature_is_refused() {
    let tokens = issuer();
    let issued = tokens.issue(&widget(), T0).unwrap();
    let (header, payload, signature) = split(&issued.token);
    for at in [0, signature.len() / 2, signature.len() - 3] {
        let forged = format!("{header}.{payload}.{}", flip_char(&signature, at));
        assert_eq!(code(tokens.verify_widget(&forged, T0 + 1)), "token_invalid");
    }
    let truncated = format!("{header}.{payload}.{}", &signature[..20]);
    assert_eq!(
        code(tokens.verify_widget(&truncated, T0 + 1)),
        "token_invalid"
    );
    let unsigned = format!("{header}.{payload}.");
    assert_eq!(
        code(tokens.verify_widget(&unsigned, T0 + 1)),
        "token_invalid"
    );
}

#[test]
fn alg_none_is_refused() {
    let tokens = issuer();
    let issued = tokens.issue(&widget(), T0).unwrap();
    let (_, payload, signature) = split(&issued.token);
    for alg in ["none", "None", "NONE", "eddsa", "Ed25519"] {
        let header = b64(&json!({"alg": alg, "typ": "okno-widget+jwt", "kid": "jwk_a"}));
        let unsigned = format!("{header}.{payload}.");
        assert_eq!(
            code(tokens.verify_widget(&unsigned, T0 + 1)),
            "token_invalid"
        );
        let resigned = format!("{header}.{payload}.{signature}");
        assert_eq!(
            code(tokens.verify_widget(&resigned, T0 + 1)),
            "token_invalid"
        );
    }
    // Duplicate alg parameters, whichever one a parser would keep: refused as malformed.
    for raw in [
        r#"{"alg":"none","alg":"EdDSA","typ":"okno-widget+jwt","kid":"jwk_a"}"#,
        r#"{"alg":"EdDSA","alg":"none","typ":"okno-widget+jwt","kid":"jwk_a"}"#,
    ] {
        let header = URL_SAFE_NO_PAD.encode(raw);
        let forged = format!("{header}.{payload}.{signature}");
        assert_eq!(
            code(tokens.verify_widget(&forged, T0 + 1)),
            "token_malformed",
            "{raw}"
        );
    }
    let no_alg = b64(&json!({"typ": "okno-widget+jwt", "kid": "jwk_a"}));
    assert_eq!(
        code(tokens.verify_widget(&format!("{no_alg}.{payload}.{signature}"), T0 + 1)),
        "token_invalid"
    );
}

#[test]
fn hs256_signed_with_the_public_key_is_refused() {
    let tokens = issuer();
    let key = tokens.ring().get("jwk_a").unwrap();
    let x = URL_SAFE_NO_PAD.encode(key.public_key());
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some("okno-widget+jwt".to_owned());
    header.kid = Some("jwk_a".to_owned());
    let claims = raw_widget_claims(T0);
    for secret in [key.public_key().to_vec(), x.as_bytes().to_vec()] {
        let forged =
            jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&secret)).unwrap();
        assert_eq!(code(tokens.verify_widget(&forged, T0 + 1)), "token_invalid");
        // jsonwebtoken on its own refuses it too, given only EdDSA.
        let validation = Validation::new(Algorithm::EdDSA);
        let decoding = DecodingKey::from_ed_components(&x).unwrap();
        assert!(jsonwebtoken::decode::<Value>(&forged, &decoding, &validation).is_err());
    }
}

#[test]
fn unaccepted_header_parameters_are_refused() {
    let tokens = issuer();
    let issued = tokens.issue(&widget(), T0).unwrap();
    let (_, payload, signature) = split(&issued.token);
    let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"});
    for (name, value) in [
        ("jku", json!("https://evil.example/jwks")),
        ("x5u", json!("https://evil.example/cert")),
        ("jwk", jwk),
        ("x5c", json!(["AAAA"])),
        ("crit", json!(["exp"])),
        ("b64", json!(false)),
    ] {
        let mut header = json!({"alg": "EdDSA", "typ": "okno-widget+jwt", "kid": "jwk_a"});
        header[name] = value;
        let forged = format!("{}.{payload}.{signature}", b64(&header));
        assert_eq!(
            code(tokens.verify_widget(&forged, T0 + 1)),
            "token_invalid",
            "{name}"
        );
    }
    let no_kid = b64(&json!({"alg": "EdDSA", "typ": "okno-widget+jwt"}));
    assert_eq!(
        code(tokens.verify_widget(&format!("{no_kid}.{payload}.{signature}"), T0 + 1)),
        "token_invalid"
    );
}

// ---- refusals: keys ----

#[test]
fn a_token_signed_by_a_key_outside_the_ring_is_refused() {
    let tokens = issuer();
    let stranger = TokenIssuer::new(ISS, ring_with("jwk_stranger", T0 - 1000));
    let token = stranger.issue(&widget(), T0).unwrap().token;
    assert!(matches!(
        tokens.verify_widget(&token, T0 + 1),
        Err(TokenError::Invalid(message)) if message.contains("jwk_stranger")
    ));
}

#[test]
fn a_token_with_a_known_kid_but_another_secret_is_refused() {
    let tokens = issuer();
    let impostor = TokenIssuer::new(ISS, ring_with("jwk_a", T0 - 1000));
    let token = impostor.issue(&widget(), T0).unwrap().token;
    assert_eq!(code(tokens.verify_widget(&token, T0 + 1)), "token_invalid");
    assert!(impostor.verify_widget(&token, T0 + 1).is_ok());
}

#[test]
fn a_retired_key_no_longer_verifies_nor_is_published() {
    let mut tokens = issuer();
    let issued = tokens.issue(&widget(), T0).unwrap();
    tokens.ring_mut().retire("jwk_a", T0 + 60).unwrap();
    assert!(tokens.verify_widget(&issued.token, T0 + 59).is_ok());
    assert_eq!(
        code(tokens.verify_widget(&issued.token, T0 + 60)),
        "token_invalid"
    );
    assert_eq!(tokens.jwks(T0 + 60), json!({"keys": []}));
    assert_eq!(code(tokens.issue(&widget(), T0 + 60)), "token_issue_failed");
    tokens.ring_mut().prune(T0 + 60);
    assert!(tokens.ring().get("jwk_a").is_none());
    assert_eq!(
        code(tokens.ring_mut().retire("jwk_a", T0)),
        "token_key_invalid"
    );
}

#[test]
fn rotation_publishes_the_next_key_first_switches_at_its_not_before_and_overlaps() {
    let mut tokens = issuer();
    let switch = T0 + 3600;
    let next = tokens
        .ring_mut()
        .generate_key(None, switch, &mut rand::rng())
        .unwrap()
        .kid()
        .to_owned();
    assert!(next.starts_with("jwk_") && next.len() == 20, "{next}");

    // Before the switch: both published, the old key signs.
    let kids = |jwks: Value| -> Vec<String> {
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(kids(tokens.jwks(switch - 1)), ["jwk_a", next.as_str()]);
    let old = tokens.issue(&widget(), switch - 1).unwrap();
    assert_eq!(
        tokens.verify_widget(&old.token, switch - 1).unwrap().kid,
        "jwk_a"
    );

    // From the switch: the next key signs; the old key's tokens still verify.
    let new = tokens.issue(&access(), switch).unwrap();
    assert_eq!(tokens.verify_access(&new.token, switch).unwrap().kid, next);
    assert_eq!(
        tokens.verify_widget(&old.token, switch + 600).unwrap().kid,
        "jwk_a"
    );

    // Retire the old key after its last token's exp (+ leeway): then only the next one remains.
    let retire_at = old.expires_at + 5;
    tokens.ring_mut().retire("jwk_a", retire_at).unwrap();
    assert!(tokens.verify_widget(&old.token, old.expires_at + 4).is_ok());
    assert_eq!(kids(tokens.jwks(retire_at)), [next.as_str()]);
    let later = tokens.issue(&access(), retire_at).unwrap();
    assert_eq!(
        tokens.verify_access(&later.token, retire_at).unwrap().kid,
        next
    );
    assert_eq!(
        code(tokens.verify_access(&new.token, retire_at)),
        "token_expired"
    );
}

#[test]
fn a_key_is_rebuilt_from_its_secret_bytes_and_bad_keys_are_refused() {
    let ring = ring_with("jwk_a", T0);
    let original = ring.get("jwk_a").unwrap();
    let rebuilt =
        TokenKey::from_secret("jwk_a", &original.expose_secret_bytes(), T0, None).unwrap();
    assert_eq!(rebuilt.public_key(), original.public_key());
    // Tokens from the rebuilt key verify against the original ring.
    let mut rebuilt_ring = KeyRing::new();
    rebuilt_ring.insert(rebuilt).unwrap();
    let token = TokenIssuer::new(ISS, rebuilt_ring)
        .issue(&widget(), T0)
        .unwrap()
        .token;
    assert!(
        TokenIssuer::new(ISS, ring)
            .verify_widget(&token, T0)
            .is_ok()
    );

    assert_eq!(
        code(TokenKey::from_secret("jwk_b", &[7; 31], T0, None)),
        "token_key_invalid"
    );
    assert_eq!(
        code(TokenKey::from_secret("jwk_b", &[7; 33], T0, None)),
        "token_key_invalid"
    );
    for kid in ["", "has space", "quote\"", &"k".repeat(65)] {
        assert_eq!(
            code(TokenKey::from_secret(kid, &[7; 32], T0, None)),
            "token_key_invalid"
        );
    }
    let mut ring = ring_with("jwk_a", T0);
    let twin = TokenKey::from_secret("jwk_a", &[7; 32], T0, None).unwrap();
    assert_eq!(code(ring.insert(twin)), "token_key_invalid");
}

#[test]
fn debug_output_never_shows_secrets() {
    let tokens = issuer();
    let key = tokens.ring().get("jwk_a").unwrap();
    let secret = key.expose_secret_bytes();
    let printed = format!("{tokens:?} {key:?}");
    assert!(printed.contains("jwk_a") && printed.contains("[redacted]"));
    for form in [
        URL_SAFE_NO_PAD.encode(secret),
        base64::engine::general_purpose::STANDARD.encode(secret),
        format!("{secret:?}"),
        secret
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    ] {
        assert!(!printed.contains(&form));
    }
    let issued = tokens.issue(&widget(), T0).unwrap();
    let printed = format!("{issued:?}");
    assert!(!printed.contains(&issued.token) && printed.contains(&issued.jti));
}

// ---- refusals: kinds, audience, issuer ----

#[test]
fn a_widget_token_is_not_an_access_token_and_vice_versa() {
    let tokens = issuer();
    let widget_token = tokens.issue(&widget(), T0).unwrap().token;
    let access_token = tokens.issue(&access(), T0).unwrap().token;
    assert_eq!(
        code(tokens.verify_access(&widget_token, T0 + 1)),
        "token_wrong_kind"
    );
    assert_eq!(
        code(tokens.verify_widget(&access_token, T0 + 1)),
        "token_wrong_kind"
    );
}

#[test]
fn typ_and_aud_must_both_be_the_kinds_own() {
    let tokens = issuer();
    // Right aud, typ of the other kind (signed by okno's key: only typing tells them apart).
    let claims = raw_widget_claims(T0);
    for typ in ["okno-access+jwt", "JWT", "at+jwt", "okno-widget+JWT"] {
        let token = tokens.sign_raw(typ, &claims, T0).unwrap();
        assert_eq!(
            code(tokens.verify_widget(&token, T0 + 1)),
            "token_wrong_kind",
            "{typ}"
        );
    }
    // Right typ, aud of the other kind.
    let mut claims = raw_widget_claims(T0);
    claims["aud"] = json!("okno:citizen");
    let token = tokens.sign_raw("okno-widget+jwt", &claims, T0).unwrap();
    assert_eq!(
        code(tokens.verify_widget(&token, T0 + 1)),
        "token_wrong_kind"
    );
    // An aud array naming both kinds (jsonwebtoken alone would accept it for either).
    claims["aud"] = json!(["okno:widget", "okno:citizen"]);
    let token = tokens.sign_raw("okno-widget+jwt", &claims, T0).unwrap();
    assert_eq!(
        code(tokens.verify_widget(&token, T0 + 1)),
        "token_wrong_kind"
    );
}

#[test]
fn another_issuer_is_refused() {
    let tokens = issuer();
    let same_keys_other_iss = TokenIssuer::new("https://okno.example/", ring_with("jwk_a", T0));
    // Same kid, other key: refused on the signature already; use okno's own key for the iss test.
    let mut claims = raw_widget_claims(T0);
    claims["iss"] = json!("https://evil.example");
    let token = tokens.sign_raw("okno-widget+jwt", &claims, T0).unwrap();
    assert_eq!(code(tokens.verify_widget(&token, T0 + 1)), "token_invalid");
    // A trailing slash is another issuer (exact comparison).
    claims["iss"] = json!("https://okno.example/");
    let token = tokens.sign_raw("okno-widget+jwt", &claims, T0).unwrap();
    assert_eq!(code(tokens.verify_widget(&token, T0 + 1)), "token_invalid");
    // An iss array holding the right issuer is not an issuer.
    claims["iss"] = json!([ISS, "https://evil.example"]);
    let token = tokens.sign_raw("okno-widget+jwt", &claims, T0).unwrap();
    assert!(tokens.verify_widget(&token, T0 + 1).is_err());
    let theirs = same_keys_other_iss.issue(&widget(), T0).unwrap().token;
    assert_eq!(code(tokens.verify_widget(&theirs, T0 + 1)), "token_invalid");
}

// ---- refusals: shape ----

#[test]
fn missing_and_malformed_tokens_are_told_apart() {
    let tokens = issuer();
    assert_eq!(tokens.verify_widget("", T0), Err(TokenError::Missing));
    for garbage in [
        "abc",
        "a.b",
        "a.b.c.d",
        "..sig",
        "!!!.e30.sig",
        "bm90IGpzb24.e30.c", // "not json"
        "W10.e30.c",         // [] is not a header object
    ] {
        assert_eq!(
            code(tokens.verify_widget(garbage, T0)),
            "token_malformed",
            "{garbage}"
        );
    }
    // `{}` is a header, but one without alg.
    assert_eq!(
        code(tokens.verify_widget("e30.e30.sig", T0)),
        "token_invalid"
    );
    let huge = format!("{}.e30.sig", "A".repeat(9000));
    assert_eq!(code(tokens.verify_widget(&huge, T0)), "token_malformed");
}

#[test]
fn claims_missing_or_of_the_wrong_shape_are_malformed() {
    let tokens = issuer();
    for (name, value) in [
        ("sub", None),
        ("exp", None),
        ("nbf", None),
        ("jti", None),
        ("mode", Some(json!("prod"))),
        ("exp", Some(json!("soon"))),
        ("iat", Some(json!(1.5))),
        ("origin", Some(json!(7))),
    ] {
        let mut claims = raw_widget_claims(T0);
        match value {
            None => {
                claims.as_object_mut().unwrap().remove(name);
            }
            Some(value) => claims[name] = value,
        }
        let token = tokens.sign_raw("okno-widget+jwt", &claims, T0).unwrap();
        assert_eq!(
            code(tokens.verify_widget(&token, T0 + 1)),
            "token_malformed",
            "{name}"
        );
    }
    // A signed payload that is not JSON at all.
    let key = tokens.ring().signing_key(T0).unwrap();
    let header = b64(&json!({"alg": "EdDSA", "typ": "okno-widget+jwt", "kid": key.kid()}));
    let payload = URL_SAFE_NO_PAD.encode(b"not json");
    let forged = format!("{header}.{payload}.{}", "A".repeat(86));
    assert_eq!(code(tokens.verify_widget(&forged, T0)), "token_invalid");
}

// ---- JWKS ----

#[test]
fn jwks_has_the_exact_shape_and_verifies_tokens_for_an_outside_verifier() {
    let tokens = issuer();
    let jwks = tokens.jwks(T0);
    let key = tokens.ring().get("jwk_a").unwrap();
    assert_eq!(
        jwks,
        json!({"keys": [{
            "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(key.public_key()),
            "kid": "jwk_a", "alg": "EdDSA", "use": "sig",
        }]})
    );

    // What a partner would do with it: jsonwebtoken's JwkSet → DecodingKey → decode.
    let set: JwkSet = serde_json::from_value(jwks).unwrap();
    let jwk = set.find("jwk_a").unwrap();
    let decoding = DecodingKey::from_jwk(jwk).unwrap();
    let issued = tokens.issue(&access(), T0).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&["okno:citizen"]);
    validation.set_issuer(&[ISS]);
    validation.validate_exp = false;
    let data = jsonwebtoken::decode::<Value>(&issued.token, &decoding, &validation).unwrap();
    assert_eq!(data.header.kid.as_deref(), Some("jwk_a"));
    assert_eq!(data.claims["sub"], "ctz_opaque_42");
}

// ---- errors ----

#[test]
fn error_codes_are_the_documented_ones() {
    let errors = [
        (TokenError::Missing, "token_missing"),
        (TokenError::Malformed(String::new()), "token_malformed"),
        (TokenError::Invalid(String::new()), "token_invalid"),
        (
            TokenError::Expired {
                expired_at: 1,
                now: 2,
            },
            "token_expired",
        ),
        (
            TokenError::NotYetValid {
                valid_from: 2,
                now: 1,
            },
            "token_not_yet_valid",
        ),
        (
            TokenError::WrongKind {
                expected: TokenKind::CitizenAccess,
                found: "typ \"okno-widget+jwt\"".to_owned(),
            },
            "token_wrong_kind",
        ),
        (TokenError::Revoked, "token_revoked"),
        (TokenError::Issue(String::new()), "token_issue_failed"),
        (TokenError::Key(String::new()), "token_key_invalid"),
    ];
    for (error, expected) in &errors {
        assert_eq!(error.code(), *expected);
        assert!(!error.to_string().is_empty());
    }
    let wrong = &errors[5].0;
    assert!(wrong.to_string().contains("okno-access+jwt"), "{wrong}");
}

#[test]
fn untrusted_text_in_messages_is_escaped_and_cut() {
    let tokens = issuer();
    let long_kid = format!("{}\n\u{1b}[31m", "k".repeat(200));
    let header = b64(&json!({"alg": "EdDSA", "typ": "okno-widget+jwt", "kid": long_kid}));
    let Err(error) = tokens.verify_widget(&format!("{header}.e30.sig"), T0) else {
        panic!("accepted");
    };
    let message = error.to_string();
    assert!(
        !message.contains('\n') && !message.contains('\u{1b}'),
        "{message}"
    );
    assert!(message.len() < 200, "{message}");
}

// ---- refresh tokens ----

#[test]
fn refresh_tokens_are_opaque_random_and_stored_as_their_hash() {
    let (token, hash) = new_refresh_token(&mut rand::rng());
    let (other, other_hash) = new_refresh_token(&mut rand::rng());
    assert!(token.starts_with("rt_"));
    assert_eq!(token.len(), 3 + 43);
    assert_eq!(URL_SAFE_NO_PAD.decode(&token[3..]).unwrap().len(), 32);
    assert_ne!(token, other);
    assert_ne!(hash, other_hash);
    assert_eq!(hash, hash_refresh_token(&token));
    assert_eq!(hash.len(), 64);
    assert!(
        hash.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert!(!hash.contains(&token[3..]));
    // SHA-256("abc"), FIPS 180-2 test vector.
    assert_eq!(
        hash_refresh_token("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    // Not a JWT: the verifier refuses it as malformed.
    assert_eq!(code(issuer().verify_access(&token, T0)), "token_malformed");
}
