//! The signed-in citizen as the widget shows them to themselves (never to the partner).

use serde::{Deserialize, Serialize};

use crate::services::{AccountLevel, ProfileField};

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

    /// The answer this profile gives a field prefilled from `field`, written as the form takes
    /// it (dates as `YYYY-MM-DD`); `None` when okno does not read that part of the profile.
    pub fn prefill(&self, field: ProfileField) -> Option<String> {
        match field {
            ProfileField::LastName => self.last_name.clone(),
            ProfileField::FirstName => self.first_name.clone(),
            ProfileField::MiddleName => self.middle_name.clone(),
            ProfileField::Snils => self.snils.clone(),
            ProfileField::BirthDate => {
                let date = self.birth_date.as_deref()?;
                let mut parts = date.split('.');
                let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
                Some(format!("{year}-{month}-{day}"))
            }
            _ => None,
        }
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
    fn the_profile_prefills_names_snils_and_the_birth_date_in_the_forms_format() {
        let profile = CitizenProfile {
            last_name: Some("Иванова".into()),
            first_name: None,
            middle_name: None,
            birth_date: Some("14.03.1988".into()),
            snils: Some("526-018-159 61".into()),
            level: AccountLevel::Confirmed,
        };
        assert_eq!(
            profile.prefill(ProfileField::BirthDate).as_deref(),
            Some("1988-03-14")
        );
        assert_eq!(
            profile.prefill(ProfileField::LastName).as_deref(),
            Some("Иванова")
        );
        assert_eq!(
            profile.prefill(ProfileField::Snils).as_deref(),
            Some("526-018-159 61")
        );
        assert_eq!(profile.prefill(ProfileField::FirstName), None);
        assert_eq!(profile.prefill(ProfileField::Inn), None);
        let broken = CitizenProfile {
            birth_date: Some("1988".into()),
            ..profile
        };
        assert_eq!(broken.prefill(ProfileField::BirthDate), None);
    }

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
