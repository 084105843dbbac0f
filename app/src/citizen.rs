//! The signed-in citizen as the widget shows them to themselves (never to the partner).

use serde::{Deserialize, Serialize};

use crate::services::AccountLevel;

/// What ESIA told okno about the citizen, for prefilling forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitizenProfile {
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    /// `DD.MM.YYYY`, as ESIA gives it.
    pub birth_date: Option<String>,
    pub snils: Option<String>,
    pub level: AccountLevel,
}

impl CitizenProfile {
    /// "Мария Петровна И." — enough for the citizen to recognise their account.
    pub fn display_name(&self) -> String {
        let initial = self
            .last_name
            .as_deref()
            .and_then(|last| last.chars().next())
            .map(|c| format!(" {c}."))
            .unwrap_or_default();
        let given = [self.first_name.as_deref(), self.middle_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        format!("{given}{initial}").trim().to_owned()
    }
}

/// A finished sign-in, as the widget frame receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInCitizen {
    pub profile: CitizenProfile,
    /// The citizen's okno access token (10 minutes), for the calls that act for them.
    pub access_token: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_display_name_is_given_names_and_an_initial() {
        let profile = CitizenProfile {
            last_name: Some("Иванова".into()),
            first_name: Some("Мария".into()),
            middle_name: Some("Петровна".into()),
            birth_date: None,
            snils: None,
            level: AccountLevel::Confirmed,
        };
        assert_eq!(profile.display_name(), "Мария Петровна И.");
        let bare = CitizenProfile {
            first_name: None,
            middle_name: None,
            ..profile
        };
        assert_eq!(bare.display_name(), "И.");
    }
}
