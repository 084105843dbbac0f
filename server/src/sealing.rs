//! Encryption at rest: AES-256-GCM, a key id on every sealed value, the value's row bound in as
//! associated data (a sealed value copied to another row does not open). Keys come from a key
//! file — created on first run, readable only by its owner — whose first line is the key new
//! values are sealed with; older lines still open what they sealed (rotation).

use std::{collections::HashMap, io::Write, path::Path};

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use base64::{Engine, engine::general_purpose::STANDARD};

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("cannot read or create the key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("sealed with key {0}, which is not in the key file")]
    UnknownKey(String),
    #[error("a sealed value is damaged or belongs to another row")]
    Damaged,
}

/// Seals and opens secrets with the configured keys.
pub struct Sealer {
    current: String,
    keys: HashMap<String, Aes256Gcm>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Sealer {{ current: {}, keys: [redacted; {}] }}",
            self.current,
            self.keys.len()
        )
    }
}

fn new_key_line() -> String {
    let id = format!("k{:016x}", rand::random::<u64>());
    format!("{id} {}\n", STANDARD.encode(rand::random::<[u8; 32]>()))
}

impl Sealer {
    /// Reads the key file, creating it with one fresh key (mode 0600) when it does not exist.
    pub fn from_key_file(path: &Path) -> Result<Sealer, SealError> {
        let failed = |reason: String| SealError::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        if !path.exists() {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| failed(e.to_string()))?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(|e| failed(e.to_string()))?;
            file.write_all(new_key_line().as_bytes())
                .map_err(|e| failed(e.to_string()))?;
        }
        let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
        Sealer::from_lines(&text).map_err(failed)
    }

    /// Parses `key-id base64-key` lines; the first is the current key.
    pub fn from_lines(text: &str) -> Result<Sealer, String> {
        let mut keys = HashMap::new();
        let mut current = None;
        for (number, line) in text
            .lines()
            .map(str::trim)
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
        {
            let (id, encoded) = line
                .split_once(' ')
                .ok_or(format!("line {}: expected `id key`", number + 1))?;
            let bytes = STANDARD
                .decode(encoded.trim())
                .map_err(|_| format!("line {}: key is not base64", number + 1))?;
            let cipher = Aes256Gcm::new_from_slice(&bytes)
                .map_err(|_| format!("line {}: a key is 32 bytes", number + 1))?;
            current.get_or_insert_with(|| id.to_owned());
            keys.insert(id.to_owned(), cipher);
        }
        let current = current.ok_or("the key file holds no key")?;
        Ok(Sealer { current, keys })
    }

    /// `key-id:base64(nonce ‖ ciphertext)`, bound to `row`.
    pub fn seal(&self, plaintext: &[u8], row: &str) -> Result<String, SealError> {
        let cipher = self
            .keys
            .get(&self.current)
            .ok_or_else(|| SealError::UnknownKey(self.current.clone()))?;
        let nonce: [u8; 12] = rand::random();
        let sealed = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: row.as_bytes(),
                },
            )
            .map_err(|_| SealError::Damaged)?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!("{}:{}", self.current, STANDARD.encode(bytes)))
    }

    pub fn open(&self, sealed: &str, row: &str) -> Result<Vec<u8>, SealError> {
        let (id, encoded) = sealed.split_once(':').ok_or(SealError::Damaged)?;
        let cipher = self
            .keys
            .get(id)
            .ok_or_else(|| SealError::UnknownKey(id.to_owned()))?;
        let bytes = STANDARD.decode(encoded).map_err(|_| SealError::Damaged)?;
        if bytes.len() < 12 {
            return Err(SealError::Damaged);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| SealError::Damaged)?;
        cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: row.as_bytes(),
                },
            )
            .map_err(|_| SealError::Damaged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_for_its_row_and_unchanged() {
        let sealer = Sealer::from_lines(&new_key_line()).expect("sealer");
        let sealed = sealer.seal(b"sk_test_secret", "key_1").expect("seal");
        assert!(!sealed.contains("sk_test"));
        assert_eq!(
            sealer.open(&sealed, "key_1").expect("open"),
            b"sk_test_secret"
        );
        assert!(
            matches!(sealer.open(&sealed, "key_2"), Err(SealError::Damaged)),
            "another row"
        );
        let mut flipped = sealed.clone().into_bytes();
        let last = flipped.len() - 2;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).expect("utf8");
        assert!(
            matches!(sealer.open(&flipped, "key_1"), Err(SealError::Damaged)),
            "tampered"
        );
        assert_ne!(
            sealer.seal(b"x", "r").expect("seal"),
            sealer.seal(b"x", "r").expect("seal"),
            "fresh nonces"
        );
    }

    #[test]
    fn rotation_seals_with_the_first_key_and_still_opens_with_older_ones() {
        let old = new_key_line();
        let before = Sealer::from_lines(&old).expect("old");
        let sealed = before.seal(b"secret", "row").expect("seal");
        let rotated = Sealer::from_lines(&format!("{}{old}", new_key_line())).expect("rotated");
        assert_eq!(
            rotated.open(&sealed, "row").expect("old key opens"),
            b"secret"
        );
        let resealed = rotated.seal(b"secret", "row").expect("seal");
        assert!(matches!(
            before.open(&resealed, "row"),
            Err(SealError::UnknownKey(_))
        ));
    }

    #[test]
    fn the_key_file_is_created_once_and_only_its_owner_may_read_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys").join("okno.key");
        let first = Sealer::from_key_file(&path).expect("created");
        let sealed = first.seal(b"secret", "row").expect("seal");
        let second = Sealer::from_key_file(&path).expect("reused");
        assert_eq!(second.open(&sealed, "row").expect("same key"), b"secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(
            !format!("{second:?}").contains(&std::fs::read_to_string(&path).expect("read")[18..40])
        );
    }

    #[test]
    fn malformed_key_files_are_refused_with_the_line() {
        assert!(Sealer::from_lines("").is_err());
        assert!(
            Sealer::from_lines("k1 not-base64!")
                .expect_err("bad")
                .contains("line 1")
        );
        assert!(
            Sealer::from_lines("k1 AAAA")
                .expect_err("short")
                .contains("32 bytes")
        );
    }
}
