//! The service catalog as the widget shows it: summaries of portal services.

use serde::{Deserialize, Serialize};

/// One portal service as listed in the widget's catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSummary {
    /// The portal's service code (`serviceCode`), e.g. `10000000109`.
    pub code: String,
    pub title: String,
    /// The agency that provides the service, e.g. `СФР`.
    pub agency: String,
}

/// What the catalog page shows: the services matching a query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogPage {
    pub query: String,
    pub services: Vec<ServiceSummary>,
}

impl ServiceSummary {
    /// Whether the service matches a search query (case-insensitive, on title, agency or code).
    pub fn matches(&self, query: &str) -> bool {
        let query = query.trim().to_lowercase();
        query.is_empty()
            || self.title.to_lowercase().contains(&query)
            || self.agency.to_lowercase().contains(&query)
            || self.code.contains(&query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pension() -> ServiceSummary {
        ServiceSummary {
            code: "10000000109".into(),
            title: "Доставка пенсии".into(),
            agency: "СФР".into(),
        }
    }

    #[test]
    fn matches_title_case_insensitively() {
        assert!(pension().matches("ПЕНСИ"));
        assert!(pension().matches("  доставка "));
    }

    #[test]
    fn matches_agency_and_code() {
        assert!(pension().matches("сфр"));
        assert!(pension().matches("0000000109"));
    }

    #[test]
    fn empty_query_matches_everything_and_other_words_do_not() {
        assert!(pension().matches(""));
        assert!(!pension().matches("паспорт"));
    }
}
