//! Partners: creating them with keys and allowed origins, listing, revoking keys, resolving a key.

pub mod keys;
pub mod origin;

use app::{error::AppError, partner::Mode};
use rand::{Rng, distr::Alphanumeric};

use std::sync::Arc;

use crate::{
    clock::{SharedClock, unix_millis},
    sealing::{SealError, Sealer},
    storage::{
        NewPartner, NewPublishableKey, PartnerRecord, SecretKeyRecord, SharedStorage, StorageError,
    },
};
use origin::{Origin, OriginError};

#[derive(Debug, thiserror::Error)]
pub enum PartnerError {
    #[error("a partner needs a name of 1 to 200 characters")]
    InvalidName,
    #[error(transparent)]
    InvalidOrigin(#[from] OriginError),
    #[error("no unrevoked key {0}")]
    NoSuchKey(String),
    #[error("no partner {0}")]
    NoSuchPartner(String),
    #[error("a public key must be an Ed25519 key: base64 of its 32 bytes or a PEM PUBLIC KEY")]
    InvalidPublicKey,
    #[error(transparent)]
    InvalidNetwork(#[from] crate::gateway::network::NetworkError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Sealing(#[from] SealError),
}

impl PartnerError {
    /// The stable code the audit log and operators see.
    pub fn code(&self) -> &'static str {
        match self {
            PartnerError::InvalidName => "invalid_name",
            PartnerError::InvalidOrigin(_) => "invalid_origin",
            PartnerError::NoSuchKey(_) => "key_unknown",
            PartnerError::NoSuchPartner(_) => "partner_unknown",
            PartnerError::InvalidPublicKey => "invalid_public_key",
            PartnerError::InvalidNetwork(_) => "invalid_network",
            PartnerError::Storage(_) | PartnerError::Sealing(_) => "internal_error",
        }
    }
}

/// What `okno partner create` prints: the ids and keys a partner needs. The secret keys are
/// shown this once; okno keeps them only sealed.
#[derive(Clone, serde::Serialize)]
pub struct CreatedPartner {
    pub id: String,
    pub name: String,
    pub origins: Vec<String>,
    pub publishable_key_test: String,
    pub publishable_key_live: String,
    /// `keyid` of the test secret key in signed requests.
    pub key_id_test: String,
    pub secret_key_test: String,
    pub key_id_live: String,
    pub secret_key_live: String,
}

impl std::fmt::Debug for CreatedPartner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedPartner")
            .field("id", &self.id)
            .field("key_id_test", &self.key_id_test)
            .field("key_id_live", &self.key_id_live)
            .finish_non_exhaustive()
    }
}

/// A partner found by an unrevoked publishable key: what every widget request is checked against.
#[derive(Debug, Clone)]
pub struct ResolvedPartner {
    pub id: String,
    pub name: String,
    pub mode: Mode,
    pub publishable_key: String,
    pub origins: Vec<Origin>,
}

pub struct Partners {
    storage: SharedStorage,
    clock: SharedClock,
    sealer: Arc<Sealer>,
}

fn random_token(length: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(length)
        .map(char::from)
        .collect()
}

impl Partners {
    pub fn new(storage: SharedStorage, clock: SharedClock, sealer: Arc<Sealer>) -> Self {
        Partners {
            storage,
            clock,
            sealer,
        }
    }

    /// A new HMAC secret key for `mode`: its id, the secret to show once, and the stored record.
    fn new_secret_key(
        &self,
        partner_id: &str,
        mode: Mode,
        now: i64,
    ) -> Result<(String, String, SecretKeyRecord), PartnerError> {
        let key_id = format!("key_{}", random_token(24).to_lowercase());
        let secret = format!("sk_{}_{}", mode.as_str(), random_token(32));
        let sealed_secret = self.sealer.seal(secret.as_bytes(), &key_id)?;
        let record = SecretKeyRecord {
            key_id: key_id.clone(),
            partner_id: partner_id.to_owned(),
            mode,
            algorithm: "hmac-sha256".to_owned(),
            sealed_secret,
            created_at: now,
            revoked_at: None,
            expires_at: None,
        };
        Ok((key_id, secret, record))
    }

    /// Creates a partner with a test and a live publishable key. Origins are normalised.
    pub async fn create(
        &self,
        name: &str,
        origins: &[String],
    ) -> Result<CreatedPartner, PartnerError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(PartnerError::InvalidName);
        }
        let mut normalised: Vec<String> = Vec::new();
        for origin in origins {
            let origin = Origin::parse(origin)?.to_string();
            if !normalised.contains(&origin) {
                normalised.push(origin);
            }
        }
        let id = format!("prt_{}", random_token(16).to_lowercase());
        let now = unix_millis(self.clock.now());
        let (key_id_test, secret_key_test, test_record) =
            self.new_secret_key(&id, Mode::Test, now)?;
        let (key_id_live, secret_key_live, live_record) =
            self.new_secret_key(&id, Mode::Live, now)?;
        let created = CreatedPartner {
            id,
            name: name.to_owned(),
            origins: normalised,
            publishable_key_test: format!("pk_test_{}", random_token(24)),
            publishable_key_live: format!("pk_live_{}", random_token(24)),
            key_id_test,
            secret_key_test,
            key_id_live,
            secret_key_live,
        };
        self.storage
            .create_partner(&NewPartner {
                id: created.id.clone(),
                name: created.name.clone(),
                created_at: now,
                origins: created.origins.clone(),
                secret_keys: vec![test_record, live_record],
                keys: vec![
                    NewPublishableKey {
                        key: created.publishable_key_test.clone(),
                        mode: Mode::Test,
                    },
                    NewPublishableKey {
                        key: created.publishable_key_live.clone(),
                        mode: Mode::Live,
                    },
                ],
            })
            .await?;
        Ok(created)
    }

    pub async fn list(&self) -> Result<Vec<PartnerRecord>, PartnerError> {
        Ok(self.storage.list_partners().await?)
    }

    /// Revokes a publishable key; the next widget request with it is refused.
    pub async fn revoke_key(&self, key: &str) -> Result<(), PartnerError> {
        let at = unix_millis(self.clock.now());
        match self.storage.revoke_publishable_key(key, at).await? {
            true => Ok(()),
            false => Err(PartnerError::NoSuchKey(key.to_owned())),
        }
    }

    /// The partner behind an unrevoked publishable key, or the refusal to show.
    pub async fn resolve(&self, publishable_key: &str) -> Result<ResolvedPartner, AppError> {
        let found = self
            .storage
            .find_by_publishable_key(publishable_key)
            .await
            .map_err(|error| {
                tracing::error!(%error, "partner lookup failed");
                AppError::Internal
            })?;
        let Some((partner, key)) = found else {
            return Err(AppError::KeyUnknown);
        };
        if key.revoked_at.is_some() {
            return Err(AppError::KeyRevoked);
        }
        let origins = partner
            .origins
            .iter()
            .filter_map(|stored| match Origin::parse(stored) {
                Ok(origin) => Some(origin),
                Err(error) => {
                    tracing::error!(partner = %partner.id, %error, "stored origin does not parse");
                    None
                }
            })
            .collect();
        Ok(ResolvedPartner {
            id: partner.id,
            name: partner.name,
            mode: key.mode,
            publishable_key: key.key,
            origins,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{clock::SystemClock, storage::tests::sqlite};

    fn partners(storage: SharedStorage, dir: &tempfile::TempDir) -> Partners {
        let sealer = Sealer::from_key_file(&dir.path().join("okno.key")).expect("sealer");
        Partners::new(storage, Arc::new(SystemClock), Arc::new(sealer))
    }

    #[tokio::test]
    async fn create_normalises_origins_and_resolves_both_keys() {
        let (storage, dir) = sqlite().await;
        let partners = partners(storage, &dir);
        let origins = [
            "https://A.example:443/".to_owned(),
            "https://a.example".to_owned(),
        ];
        let created = partners.create("Shop", &origins).await.expect("create");
        assert_eq!(created.origins, ["https://a.example"]);
        assert!(created.publishable_key_test.starts_with("pk_test_"));
        assert!(created.publishable_key_live.starts_with("pk_live_"));

        let test = partners
            .resolve(&created.publishable_key_test)
            .await
            .expect("test key");
        assert_eq!(
            (test.mode, test.id.as_str()),
            (Mode::Test, created.id.as_str())
        );
        let live = partners
            .resolve(&created.publishable_key_live)
            .await
            .expect("live key");
        assert_eq!(live.mode, Mode::Live);
    }

    #[tokio::test]
    async fn refusals_name_what_is_wrong_and_store_nothing() {
        let (storage, dir) = sqlite().await;
        let partners = partners(storage, &dir);
        let bad = ["https://a.example/shop".to_owned()];
        assert!(matches!(
            partners.create("Shop", &bad).await,
            Err(PartnerError::InvalidOrigin(OriginError::NotBare(_)))
        ));
        assert!(matches!(
            partners.create("  ", &[]).await,
            Err(PartnerError::InvalidName)
        ));
        assert!(partners.list().await.expect("list").is_empty());
    }

    #[tokio::test]
    async fn revoked_and_unknown_keys_are_refused_with_their_codes() {
        let (storage, dir) = sqlite().await;
        let partners = partners(storage, &dir);
        let created = partners.create("Shop", &[]).await.expect("create");
        partners
            .revoke_key(&created.publishable_key_test)
            .await
            .expect("revoke");
        let revoked = partners.resolve(&created.publishable_key_test).await.err();
        assert_eq!(revoked.map(|e| e.code()), Some("key_revoked"));
        let unknown = partners.resolve("pk_test_nothing").await.err();
        assert_eq!(unknown.map(|e| e.code()), Some("key_unknown"));
        assert!(matches!(
            partners.revoke_key(&created.publishable_key_test).await,
            Err(PartnerError::NoSuchKey(_))
        ));
    }

    #[tokio::test]
    async fn secret_keys_are_shown_once_and_stored_only_sealed() {
        let (storage, dir) = sqlite().await;
        let partners = partners(storage.clone(), &dir);
        let created = partners.create("Shop", &[]).await.expect("create");
        assert!(
            created.secret_key_test.starts_with("sk_test_")
                && created.secret_key_live.starts_with("sk_live_")
        );
        assert!(
            !format!("{created:?}").contains(&created.secret_key_test),
            "Debug never prints secrets"
        );

        let stored = storage
            .find_secret_key(&created.key_id_test)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(
            (stored.mode, stored.algorithm.as_str()),
            (Mode::Test, "hmac-sha256")
        );
        assert!(!stored.sealed_secret.contains(&created.secret_key_test));
        let sealer = Sealer::from_key_file(&dir.path().join("okno.key")).expect("sealer");
        let opened = sealer
            .open(&stored.sealed_secret, &created.key_id_test)
            .expect("opens for its row");
        assert_eq!(opened, created.secret_key_test.as_bytes());

        let database = std::fs::read(dir.path().join("okno.db")).expect("db file");
        let wal = std::fs::read(dir.path().join("okno.db-wal")).unwrap_or_default();
        for bytes in [&database, &wal] {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains(&created.secret_key_test)
                    && !text.contains(&created.secret_key_live)
            );
        }
    }
}
