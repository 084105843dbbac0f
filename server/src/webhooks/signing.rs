//! Standard Webhooks 1.0 signing: `whsec_` secrets, `v1,` HMAC-SHA256 signatures and the three
//! `webhook-*` headers a receiver verifies.

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use rand::{Rng, distr::Alphanumeric};
use sha2::Sha256;

/// The prefix every secret carries, so a receiver can tell it from other keys at a glance.
pub const SECRET_PREFIX: &str = "whsec_";
/// The spec asks for keys of 24 to 64 bytes; shorter ones are guessable, longer ones are
/// hashed down by HMAC anyway.
const MIN_KEY_BYTES: usize = 24;
const MAX_KEY_BYTES: usize = 64;

pub const HEADER_ID: &str = "webhook-id";
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
pub const HEADER_SIGNATURE: &str = "webhook-signature";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("a webhook secret must start with \"whsec_\"")]
    MissingPrefix,
    #[error("a webhook secret must be \"whsec_\" followed by standard base64 (with padding)")]
    NotBase64,
    #[error("a webhook secret must decode to 24 to 64 bytes, this one has {0}")]
    BadLength(usize),
}

/// One endpoint signing key. During rotation an endpoint has two, and messages carry both
/// signatures until the old one is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WebhookSecret([redacted; {} bytes])", self.0.len())
    }
}

impl WebhookSecret {
    /// A fresh secret of 32 random bytes.
    pub fn generate() -> Self {
        WebhookSecret(rand::random::<[u8; 32]>().to_vec())
    }

    /// Parses the `whsec_<base64>` form shown to the endpoint owner.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::MissingPrefix)?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::NotBase64)?;
        if !(MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(&key.len()) {
            return Err(SecretError::BadLength(key.len()));
        }
        Ok(WebhookSecret(key))
    }

    /// The `whsec_<base64>` form: shown to the endpoint owner once, then stored sealed. Not a
    /// `Display` impl, so that a stray `{}` in a log line cannot print it.
    pub fn reveal(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    fn signature(&self, signed_content: &[u8]) -> String {
        // new_from_slice accepts any key length for HMAC; the error arm is unreachable.
        match Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(mut mac) => {
                mac.update(signed_content);
                format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
            }
            Err(_) => String::new(),
        }
    }
}

/// The `webhook-signature` value: `v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}` per
/// secret, space-separated. Empty only when `secrets` is; callers always pass at least one.
pub fn sign(secrets: &[WebhookSecret], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut signed_content = format!("{msg_id}.{timestamp}.").into_bytes();
    signed_content.extend_from_slice(body);
    secrets
        .iter()
        .map(|secret| secret.signature(&signed_content))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The three headers a Standard Webhooks receiver needs, in a form any HTTP client takes.
pub fn headers(msg_id: &str, timestamp: i64, signature: &str) -> [(&'static str, String); 3] {
    [
        (HEADER_ID, msg_id.to_owned()),
        (HEADER_TIMESTAMP, timestamp.to_string()),
        (HEADER_SIGNATURE, signature.to_owned()),
    ]
}

/// A message id, `msg_` and 24 random alphanumerics (~142 bits). Receivers deduplicate by it,
/// so a retry reuses the id it was first sent with.
pub fn new_message_id() -> String {
    let suffix: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    format!("msg_{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1614265330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn spec_vector() {
        let secret = WebhookSecret::parse(SPEC_SECRET).unwrap();
        assert_eq!(
            sign(&[secret], SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY),
            SPEC_SIGNATURE
        );
    }

    #[test]
    fn two_secrets_give_two_signatures_in_order() {
        let old = WebhookSecret::parse(SPEC_SECRET).unwrap();
        let new = WebhookSecret::generate();
        let both = sign(&[old, new.clone()], SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], SPEC_SIGNATURE);
        assert_eq!(parts[1], sign(&[new], SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY));
        assert_ne!(parts[0], parts[1]);
    }

    #[test]
    fn every_signed_part_matters() {
        let secret = [WebhookSecret::parse(SPEC_SECRET).unwrap()];
        let base = sign(&secret, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);
        assert_ne!(base, sign(&secret, "msg_other", SPEC_TIMESTAMP, SPEC_BODY));
        assert_ne!(base, sign(&secret, SPEC_ID, SPEC_TIMESTAMP + 1, SPEC_BODY));
        assert_ne!(
            base,
            sign(&secret, SPEC_ID, SPEC_TIMESTAMP, b"{\"test\": 2432232315}")
        );
        // The dots are separators: moving one between id and timestamp must change the result.
        assert_ne!(
            sign(&secret, "msg_1", 23, b"x"),
            sign(&secret, "msg_", 123, b"x")
        );
        assert!(sign(&[], SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY).is_empty());
    }

    #[test]
    fn generated_secrets_round_trip() {
        let secret = WebhookSecret::generate();
        let text = secret.reveal();
        assert!(text.starts_with("whsec_"));
        assert_eq!(text.len(), "whsec_".len() + 44);
        assert_eq!(WebhookSecret::parse(&text).unwrap(), secret);
        assert_ne!(WebhookSecret::generate(), secret);
    }

    #[test]
    fn bad_secrets_are_refused() {
        use SecretError::*;
        let cases = [
            ("", MissingPrefix),
            ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", MissingPrefix),
            ("WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", MissingPrefix),
            ("whsec_", BadLength(0)),
            ("whsec_not base64!", NotBase64),
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", NotBase64),
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw=", NotBase64),
            ("whsec_MfKQ9r8G_YqrTwjUPD8ILPZIo2LaLaSw", NotBase64),
            ("whsec_c2hvcnQ=", BadLength(5)),
            (
                &format!("whsec_{}", STANDARD.encode([7u8; 65])),
                BadLength(65),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(WebhookSecret::parse(text), Err(expected), "{text:?}");
        }
        // Surrounding whitespace from a pasted config value is forgiven.
        assert!(WebhookSecret::parse(&format!(" {SPEC_SECRET}\n")).is_ok());
    }

    #[test]
    fn debug_does_not_leak_the_key() {
        let secret = WebhookSecret::parse(SPEC_SECRET).unwrap();
        let shown = format!("{secret:?} {:?}", std::slice::from_ref(&secret));
        assert!(shown.contains("redacted"));
        assert!(!shown.contains("MfKQ9r8G"));
        assert!(!shown.contains(&format!("{:?}", secret.0)));
    }

    #[test]
    fn header_names_and_values() {
        let h = headers(SPEC_ID, SPEC_TIMESTAMP, SPEC_SIGNATURE);
        assert_eq!(
            h,
            [
                ("webhook-id", SPEC_ID.to_owned()),
                ("webhook-timestamp", "1614265330".to_owned()),
                ("webhook-signature", SPEC_SIGNATURE.to_owned()),
            ]
        );
    }

    #[test]
    fn message_ids_are_prefixed_random_and_header_safe() {
        let a = new_message_id();
        let b = new_message_id();
        assert_ne!(a, b);
        for id in [a, b] {
            let suffix = id.strip_prefix("msg_").unwrap();
            assert_eq!(suffix.len(), 24);
            assert!(suffix.chars().all(|c| c.is_ascii_alphanumeric()));
        }
    }

    // Interop: the PyPI `standardwebhooks` package must accept what we sign.
    fn verify_with_python(
        python: &str,
        secret: &str,
        headers: &[(&str, String)],
        body: &str,
    ) -> (bool, String) {
        let script = std::env::var("WEBHOOKS_VERIFY_SCRIPT").unwrap_or_else(|_| {
            format!(
                "{}/tests/interop/verify_webhook.py",
                env!("CARGO_MANIFEST_DIR")
            )
        });
        let input = serde_json::json!({
            "secret": secret,
            "headers": headers.iter().cloned().collect::<std::collections::HashMap<_, _>>(),
            "body": body,
        });
        let mut child = std::process::Command::new(python)
            .arg(&script)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {python} {script}: {e}"));
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(input.to_string().as_bytes()).unwrap();
        }
        let output = child.wait_with_output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text.trim().to_owned())
    }

    #[test]
    fn interop_with_standardwebhooks_python() {
        let Ok(python) = std::env::var("INTEROP_PYTHON") else {
            if std::env::var("TEST_REQUIRE_INTEROP").as_deref() == Ok("1") {
                panic!("TEST_REQUIRE_INTEROP=1 but INTEROP_PYTHON is not set");
            }
            eprintln!(
                "skipping webhook interop: set INTEROP_PYTHON to a python with standardwebhooks"
            );
            return;
        };
        let secret = WebhookSecret::generate();
        let other = WebhookSecret::generate();
        let id = new_message_id();
        // The library refuses timestamps more than 5 minutes from its clock.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let body = r#"{"type":"check.completed","data":{"id":"chk_1","note":"naïve ✓"}}"#;
        let signature = sign(std::slice::from_ref(&secret), &id, now, body.as_bytes());
        let h = headers(&id, now, &signature);

        let (ok, out) = verify_with_python(&python, &secret.reveal(), &h, body);
        assert!(ok && out == "ok", "valid signature refused: {out}");

        let (ok, out) = verify_with_python(&python, &other.reveal(), &h, body);
        assert!(
            !ok && out.contains("No matching signature"),
            "wrong secret accepted: {out}"
        );

        // During rotation either secret alone verifies the two-signature header.
        let rotated = sign(&[other.clone(), secret.clone()], &id, now, body.as_bytes());
        let h2 = headers(&id, now, &rotated);
        for s in [&secret, &other] {
            let (ok, out) = verify_with_python(&python, &s.reveal(), &h2, body);
            assert!(ok && out == "ok", "rotation header refused: {out}");
        }

        let (ok, out) = verify_with_python(
            &python,
            &secret.reveal(),
            &h,
            &body.replace("chk_1", "chk_2"),
        );
        assert!(
            !ok && out.contains("No matching signature"),
            "tampered body accepted: {out}"
        );

        let stale = now - 3600;
        let old = headers(
            &id,
            stale,
            &sign(std::slice::from_ref(&secret), &id, stale, body.as_bytes()),
        );
        let (ok, out) = verify_with_python(&python, &secret.reveal(), &old, body);
        assert!(
            !ok && out.contains("too old"),
            "hour-old timestamp accepted: {out}"
        );
    }
}
