//! What pages may know about the partner whose key a request carries (set by the HTTP guard).

use serde::{Deserialize, Serialize};

use crate::{lang::Lang, theme::Theme};

/// Test keys reach only the sandbox; live keys only the live portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Test,
    Live,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Test => "test",
            Mode::Live => "live",
        }
    }
}

/// The partner a guarded page renders for: checked by the server before the page runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerView {
    pub name: String,
    pub publishable_key: String,
    pub mode: Mode,
    /// The embedding page's origin, already checked against the partner's allow-list.
    pub parent_origin: Option<String>,
    /// okno's own public origin (where `embed.js` is served from).
    pub okno_origin: String,
    /// The widget-session token (≤ 15 min) the page's calls to okno carry.
    pub session: String,
    /// The partner's theme from the snippet.
    pub theme: Theme,
    /// The widget's language from the snippet.
    pub lang: Lang,
}

impl PartnerView {
    /// The query parameters every page inside the frame passes on: the embedding origin, the
    /// theme and the language (when not the default).
    pub fn frame_params(&self) -> Vec<(String, String)> {
        let origin = self
            .parent_origin
            .iter()
            .map(|origin| ("origin".to_owned(), origin.clone()));
        let lang = (self.lang != Lang::Ru).then(|| ("lang".to_owned(), self.lang.tag().to_owned()));
        origin.chain(self.theme.pairs()).chain(lang).collect()
    }
}

/// The partner the guard attached to this request, if any (server-side only; `None` in the browser).
pub fn current_partner() -> Option<PartnerView> {
    #[cfg(feature = "ssr")]
    {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<PartnerView>().cloned())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}
