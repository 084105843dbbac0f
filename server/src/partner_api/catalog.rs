//! `POST /catalog/sync`: the partner's product positions mapped to services, made exactly what
//! the partner sends (so sending the same list twice changes nothing).

use std::collections::HashSet;

use super::{PartnerApi, Refusal, text};
use crate::{
    clock::unix_millis,
    gateway::Caller,
    registry,
    storage::{CatalogPosition, SyncOutcome},
};

/// The most positions one sync may carry.
pub const MAX_POSITIONS: usize = 10_000;

impl PartnerApi {
    pub async fn sync_catalog(
        &self,
        caller: &Caller,
        positions: &[CatalogPosition],
    ) -> Result<SyncOutcome, Refusal> {
        if positions.len() > MAX_POSITIONS {
            return Err(Refusal::invalid(
                "too_many",
                "positions",
                format!("At most {MAX_POSITIONS} positions per sync."),
            ));
        }
        let mut seen = HashSet::new();
        let mut clean = Vec::with_capacity(positions.len());
        for (i, p) in positions.iter().enumerate() {
            let field = |name: &str| format!("positions[{i}].{name}");
            let position_id = text(&field("position_id"), &p.position_id, 100)?;
            if !seen.insert(position_id.clone()) {
                return Err(Refusal::invalid(
                    "duplicate",
                    field("position_id"),
                    format!("Position {position_id:?} appears twice."),
                ));
            }
            if registry::find(&p.service_code).is_none() {
                return Err(Refusal::invalid(
                    "unknown_service",
                    field("service_id"),
                    format!(
                        "No service {:?}; take ids from /services/list.",
                        p.service_code
                    ),
                ));
            }
            let title = p
                .title
                .as_deref()
                .map(|t| text(&field("title"), t, 200))
                .transpose()?;
            clean.push(CatalogPosition {
                position_id,
                service_code: p.service_code.clone(),
                title,
            });
        }
        let now = unix_millis(self.clock.now());
        Ok(self
            .storage
            .sync_catalog(&caller.partner_id, caller.mode.as_str(), &clean, now)
            .await?)
    }
}
