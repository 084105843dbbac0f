//! Signing ESIA's `client_secret`: a pluggable signer, because live ESIA wants a detached
//! GOST R 34.10-2012 signature made with the system's certificate (an external tool), while
//! the sandbox checks a test signature over exactly the same string.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    #[error("the signer failed: {0}")]
    Failed(String),
}

/// Produces `client_secret` (base64url) over the string ESIA verifies.
pub trait ClientSecretSigner: Send + Sync + 'static {
    fn sign(&self, message: &str) -> Result<String, SignerError>;
}

/// The string ESIA verifies for an authorization request:
/// `client_id + scope + scope_org + timestamp + state + redirect_uri` (+ `code` for the token call).
pub fn signed_string(
    client_id: &str,
    scope: &str,
    scope_org: &str,
    timestamp: &str,
    state: &str,
    redirect_uri: &str,
    code: Option<&str>,
) -> String {
    [
        client_id,
        scope,
        scope_org,
        timestamp,
        state,
        redirect_uri,
        code.unwrap_or(""),
    ]
    .concat()
}

/// The sandbox's test signer: HMAC-SHA256 under a key the sandbox ESIA also holds. It stands in
/// for the GOST certificate in test mode only; it is not accepted by the live ESIA.
pub struct TestSigner {
    key: Vec<u8>,
}

/// The key the built-in sandbox ESIA expects from test-mode systems (public test material).
pub const SANDBOX_SIGNER_KEY: &[u8] = b"okno sandbox esia test signer";

impl TestSigner {
    pub fn new(key: &[u8]) -> Self {
        TestSigner { key: key.to_vec() }
    }

    pub fn sandbox() -> Self {
        TestSigner::new(SANDBOX_SIGNER_KEY)
    }

    fn mac(&self, message: &str) -> Result<Hmac<Sha256>, SignerError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key)
            .map_err(|e| SignerError::Failed(e.to_string()))?;
        mac.update(message.as_bytes());
        Ok(mac)
    }

    /// Checks a `client_secret` in constant time (the sandbox ESIA's side).
    pub fn verify(&self, message: &str, client_secret: &str) -> bool {
        let Ok(signature) = URL_SAFE_NO_PAD.decode(client_secret.trim_end_matches('=')) else {
            return false;
        };
        self.mac(message)
            .is_ok_and(|mac| mac.verify_slice(&signature).is_ok())
    }
}

impl ClientSecretSigner for TestSigner {
    fn sign(&self, message: &str) -> Result<String, SignerError> {
        Ok(URL_SAFE_NO_PAD.encode(self.mac(message)?.finalize().into_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_over_the_same_string_and_key() {
        let signer = TestSigner::sandbox();
        let message = signed_string(
            "OKNO",
            "openid",
            "",
            "2026.11.27 18:45:00 +0300",
            "s",
            "https://r",
            None,
        );
        let secret = signer.sign(&message).expect("sign");
        assert!(signer.verify(&message, &secret));
        assert!(!signer.verify(&format!("{message}x"), &secret));
        assert!(!TestSigner::new(b"other").verify(&message, &secret));
        assert!(!signer.verify(&message, ""));
        assert!(!signer.verify(&message, &secret[..secret.len() - 4]));
    }

    #[test]
    fn the_signed_string_is_the_concatenation_esia_documents() {
        assert_eq!(
            signed_string("A", "B", "C", "D", "E", "F", Some("G")),
            "ABCDEFG"
        );
        assert_eq!(signed_string("A", "B", "", "D", "E", "F", None), "ABDEF");
    }
}
