//! The partner's service list (registry services with its curation), listings it publishes for
//! a service, and their prices over effective periods.

use app::services::{RegionRule, ServiceDescription};
use time::{Date, macros::format_description};

use super::{PartnerApi, Refusal, RefusalKind, text};
use crate::{
    clock::unix_millis,
    gateway::Caller,
    registry,
    storage::{ListingRecord, PricePeriod},
};

/// Filters and page of `GET /services/list`.
#[derive(Debug, Clone, Default)]
pub struct ServiceQuery {
    pub agency: Option<String>,
    /// An 11-digit OKATO code: only services available there.
    pub region: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// One service as the partner shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedService {
    pub service: &'static ServiceDescription,
    /// The partner's title when it set one, else the registry's.
    pub title: String,
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePage {
    pub items: Vec<ListedService>,
    pub page: u32,
    pub per_page: u32,
    pub total: u32,
}

/// A listing to publish.
#[derive(Debug, Clone, Default)]
pub struct NewListing {
    pub service_id: String,
    pub title: String,
    pub description: String,
    pub deadline_days: Option<i64>,
    pub partner_reference: Option<String>,
}

/// The price periods to set for one listing.
#[derive(Debug, Clone)]
pub struct ListingPrices {
    pub listing_id: String,
    pub periods: Vec<NewPricePeriod>,
}

#[derive(Debug, Clone)]
pub struct NewPricePeriod {
    pub effective_from: String,
    pub effective_to: Option<String>,
    pub amount_kopecks: i64,
    pub currency: String,
    pub conditions: Option<String>,
}

pub const MAX_PER_PAGE: u32 = 100;

fn parse_date(field: &str, value: &str) -> Result<Date, Refusal> {
    Date::parse(value, format_description!("[year]-[month]-[day]")).map_err(|_| {
        Refusal::invalid(
            "invalid_date",
            field,
            format!("`{field}` must be a date like 2026-12-01."),
        )
    })
}

impl PartnerApi {
    /// The services the partner may show, in its order, without the ones it hid.
    pub async fn list_services(
        &self,
        caller: &Caller,
        query: &ServiceQuery,
    ) -> Result<ServicePage, Refusal> {
        let per_page = query.per_page.unwrap_or(20);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(Refusal::invalid(
                "out_of_range",
                "per_page",
                format!("`per_page` must be 1 to {MAX_PER_PAGE}."),
            ));
        }
        let page = query.page.unwrap_or(1);
        if page == 0 {
            return Err(Refusal::invalid(
                "out_of_range",
                "page",
                "`page` starts at 1.",
            ));
        }
        if let Some(region) = &query.region
            && (region.len() != 11 || !region.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(Refusal::invalid(
                "invalid_region",
                "region",
                "`region` must be an 11-digit OKATO code.",
            ));
        }
        let agency = match &query.agency {
            None => None,
            Some(name) => Some(
                serde_json::from_value::<app::services::Agency>(serde_json::Value::String(
                    name.clone(),
                ))
                .ok()
                .ok_or_else(|| {
                    Refusal::invalid(
                        "unknown_agency",
                        "agency",
                        format!("No agency {name:?}; see the agency values in the API reference."),
                    )
                })?,
            ),
        };
        let curation = self.storage.curation(&caller.partner_id).await?;
        let mut items: Vec<ListedService> = registry::all()
            .iter()
            .enumerate()
            .filter_map(|(index, service)| {
                let chosen = curation.iter().find(|c| c.service_code == service.code);
                if chosen.is_some_and(|c| c.hidden) {
                    return None;
                }
                Some(ListedService {
                    service,
                    title: chosen
                        .and_then(|c| c.custom_title.clone())
                        .unwrap_or_else(|| service.title.clone()),
                    // Curated positions first, then the registry's order.
                    position: chosen
                        .and_then(|c| c.position)
                        .unwrap_or(1_000_000 + index as i64),
                })
            })
            .filter(|item| agency.is_none_or(|a| item.service.agency == a))
            .filter(|item| match (&query.region, &item.service.regions) {
                (None, _) | (_, RegionRule::AllRussia) => true,
                (Some(okato), rule) => rule.allows(okato),
            })
            .collect();
        items.sort_by_key(|item| item.position);
        let total = u32::try_from(items.len()).unwrap_or(u32::MAX);
        let start = (page as usize - 1).saturating_mul(per_page as usize);
        let items = items
            .into_iter()
            .skip(start)
            .take(per_page as usize)
            .collect();
        Ok(ServicePage {
            items,
            page,
            per_page,
            total,
        })
    }

    /// Publishes a listing for a service on the partner's platform.
    pub async fn create_listing(
        &self,
        caller: &Caller,
        new: &NewListing,
    ) -> Result<ListingRecord, Refusal> {
        let service = registry::find(&new.service_id).ok_or_else(|| {
            Refusal::invalid(
                "unknown_service",
                "service_id",
                format!(
                    "No service {:?}; take ids from /services/list.",
                    new.service_id
                ),
            )
        })?;
        if let Some(days) = new.deadline_days
            && !(1..=365).contains(&days)
        {
            return Err(Refusal::invalid(
                "out_of_range",
                "deadline_days",
                "`deadline_days` must be 1 to 365.",
            ));
        }
        let partner_reference = new
            .partner_reference
            .as_deref()
            .map(|r| text("partner_reference", r, 100))
            .transpose()?;
        let listing = ListingRecord {
            id: format!("lst_{:024x}", rand::random::<u128>() >> 32),
            partner_id: caller.partner_id.clone(),
            mode: caller.mode.as_str().to_owned(),
            service_code: service.code.clone(),
            title: text("title", &new.title, 200)?,
            description: text("description", &new.description, 4_000)?,
            deadline_days: new.deadline_days,
            partner_reference,
            created_at: unix_millis(self.clock.now()),
        };
        match self.storage.create_listing(&listing).await {
            Ok(()) => Ok(listing),
            Err(error) if error.is_unique_violation() => Err(Refusal {
                kind: RefusalKind::Conflict,
                code: "listing_exists",
                message: "A listing with this partner_reference exists already.".to_owned(),
                field: Some("partner_reference".to_owned()),
            }),
            Err(error) => Err(error.into()),
        }
    }

    /// Sets the price periods of listings: all or none. Returns the listings updated.
    pub async fn update_prices(
        &self,
        caller: &Caller,
        updates: &[ListingPrices],
    ) -> Result<Vec<String>, Refusal> {
        if updates.is_empty() {
            return Err(Refusal::invalid(
                "field_empty",
                "listings",
                "`listings` must name at least one listing.",
            ));
        }
        let ids: Vec<String> = updates.iter().map(|u| u.listing_id.clone()).collect();
        let known = self
            .storage
            .listings(&caller.partner_id, caller.mode.as_str(), &ids)
            .await?;
        let mut validated = Vec::with_capacity(updates.len());
        for (i, update) in updates.iter().enumerate() {
            let at = |rest: &str| format!("listings[{i}]{rest}");
            if !known.iter().any(|l| l.id == update.listing_id) {
                return Err(Refusal::invalid(
                    "unknown_listing",
                    at(".listing_id"),
                    format!("No listing {:?} of yours in this mode.", update.listing_id),
                ));
            }
            if updates[..i]
                .iter()
                .any(|u| u.listing_id == update.listing_id)
            {
                return Err(Refusal::invalid(
                    "duplicate",
                    at(".listing_id"),
                    "Each listing may appear once.",
                ));
            }
            let mut periods: Vec<(Date, Option<Date>, PricePeriod)> = Vec::new();
            for (j, p) in update.periods.iter().enumerate() {
                let field = |name: &str| at(&format!(".periods[{j}].{name}"));
                if p.amount_kopecks < 0 {
                    return Err(Refusal::invalid(
                        "negative_amount",
                        field("amount_kopecks"),
                        "Amounts are kopecks, zero or more.",
                    ));
                }
                if p.currency != "RUB" {
                    return Err(Refusal::invalid(
                        "unsupported_currency",
                        field("currency"),
                        "The only currency is RUB.",
                    ));
                }
                let from = parse_date(&field("effective_from"), &p.effective_from)?;
                let to = p
                    .effective_to
                    .as_deref()
                    .map(|d| parse_date(&field("effective_to"), d))
                    .transpose()?;
                if to.is_some_and(|to| to < from) {
                    return Err(Refusal::invalid(
                        "invalid_period",
                        field("effective_to"),
                        "`effective_to` is before `effective_from`.",
                    ));
                }
                let conditions = match &p.conditions {
                    Some(c) if c.chars().count() > 2_000 => {
                        return Err(Refusal::invalid(
                            "field_too_long",
                            field("conditions"),
                            "`conditions` is longer than 2000 characters.",
                        ));
                    }
                    Some(c) => c.trim().to_owned(),
                    None => String::new(),
                };
                // Two periods overlap when each starts before the other ends (open ends are infinite).
                if let Some(k) = periods.iter().position(|(f, t, _)| {
                    from <= t.unwrap_or(Date::MAX) && *f <= to.unwrap_or(Date::MAX)
                }) {
                    return Err(Refusal::invalid(
                        "overlapping_periods",
                        at(&format!(".periods[{j}]")),
                        format!("This period overlaps periods[{k}]."),
                    ));
                }
                periods.push((
                    from,
                    to,
                    PricePeriod {
                        effective_from: p.effective_from.clone(),
                        effective_to: p.effective_to.clone(),
                        amount_kopecks: p.amount_kopecks,
                        currency: p.currency.clone(),
                        conditions,
                    },
                ));
            }
            validated.push((
                update.listing_id.clone(),
                periods.into_iter().map(|(_, _, p)| p).collect(),
            ));
        }
        self.storage.replace_prices(&validated).await?;
        Ok(ids)
    }
}
