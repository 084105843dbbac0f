//! Partners: creating them with keys and allowed origins, listing, revoking keys, resolving a key.

pub mod origin;

use app::{error::AppError, partner::Mode};
use rand::{Rng, distr::Alphanumeric};

use crate::{
    clock::{SharedClock, unix_millis},
    storage::{NewPartner, NewPublishableKey, PartnerRecord, SharedStorage, StorageError},
};
use origin::{Origin, OriginError};

#[derive(Debug, thiserror::Error)]
pub enum PartnerError {
    #[error("a partner needs a name of 1 to 200 characters")]
    InvalidName,
    #[error(transparent)]
    InvalidOrigin(#[from] OriginError),
    #[error("no unrevoked publishable key {0}")]
    NoSuchKey(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl PartnerError {
    /// The stable code the audit log and operators see.
    pub fn code(&self) -> &'static str {
        match self {
            PartnerError::InvalidName => "invalid_name",
            PartnerError::InvalidOrigin(_) => "invalid_origin",
            PartnerError::NoSuchKey(_) => "key_unknown",
            PartnerError::Storage(_) => "internal_error",
        }
    }
}

/// What `okno partner create` prints: the ids and keys a partner needs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CreatedPartner {
    pub id: String,
    pub name: String,
    pub origins: Vec<String>,
    pub publishable_key_test: String,
    pub publishable_key_live: String,
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
}

fn random_token(length: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(length)
        .map(char::from)
        .collect()
}

impl Partners {
    pub fn new(storage: SharedStorage, clock: SharedClock) -> Self {
        Partners { storage, clock }
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
        let suffix = random_token(24);
        let created = CreatedPartner {
            id: format!("prt_{}", random_token(16).to_lowercase()),
            name: name.to_owned(),
            origins: normalised,
            publishable_key_test: format!("pk_test_{suffix}"),
            publishable_key_live: format!("pk_live_{}", random_token(24)),
        };
        self.storage
            .create_partner(&NewPartner {
                id: created.id.clone(),
                name: created.name.clone(),
                created_at: unix_millis(self.clock.now()),
                origins: created.origins.clone(),
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
    use std::sync::Arc;

    use super::*;
    use crate::{clock::SystemClock, storage::tests::sqlite};

    #[tokio::test]
    async fn create_normalises_origins_and_resolves_both_keys() {
        let (storage, _dir) = sqlite().await;
        let partners = Partners::new(storage, Arc::new(SystemClock));
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
        let (storage, _dir) = sqlite().await;
        let partners = Partners::new(storage, Arc::new(SystemClock));
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
        let (storage, _dir) = sqlite().await;
        let partners = Partners::new(storage, Arc::new(SystemClock));
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
}
