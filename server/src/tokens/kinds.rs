//! The kinds of token okno issues: each has its own `typ`, audience and longest lifetime.

use serde::{Deserialize, Serialize, de::DeserializeOwned};

pub use app::partner::Mode;

/// What a token is for. One kind is never accepted as another: the `typ` header and the `aud`
/// claim both differ (RFC 8725 §3.11–3.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// The widget's session with okno, on a partner's page.
    WidgetSession,
    /// A partner's access to one citizen's data, under one consent.
    CitizenAccess,
}

impl TokenKind {
    /// The JOSE `typ` header value (RFC 8725 §3.11 explicit typing).
    pub fn typ(self) -> &'static str {
        match self {
            TokenKind::WidgetSession => "okno-widget+jwt",
            TokenKind::CitizenAccess => "okno-access+jwt",
        }
    }

    /// The `aud` claim value.
    pub fn audience(self) -> &'static str {
        match self {
            TokenKind::WidgetSession => "okno:widget",
            TokenKind::CitizenAccess => "okno:citizen",
        }
    }

    /// The longest lifetime (`exp - iat`) a token of this kind may have, in seconds.
    pub const fn max_lifetime(self) -> i64 {
        match self {
            TokenKind::WidgetSession => 15 * 60,
            TokenKind::CitizenAccess => 10 * 60,
        }
    }

    /// A name for messages.
    pub fn name(self) -> &'static str {
        match self {
            TokenKind::WidgetSession => "widget session",
            TokenKind::CitizenAccess => "citizen access",
        }
    }
}

impl std::fmt::Display for TokenKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

mod sealed {
    pub trait Sealed {}
}

/// The kind-specific claims of a token. Sealed: the kinds are exactly those of [`TokenKind`].
/// Each serialises its own `sub` (and private claims); the issuer adds `iss`, `aud`, `iat`,
/// `nbf`, `exp` and `jti`.
pub trait Claims: sealed::Sealed + Serialize + DeserializeOwned {
    const KIND: TokenKind;
}

/// Claims of a widget session: `sub` is the partner whose widget it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetSession {
    #[serde(rename = "sub")]
    pub partner_id: String,
    /// The publishable key the widget was opened with, checked again on every call so its
    /// revocation takes effect at once.
    #[serde(rename = "pk")]
    pub publishable_key: String,
    /// The embedding page's origin, already checked against the partner's allow-list.
    pub origin: String,
    pub mode: Mode,
}

impl sealed::Sealed for WidgetSession {}
impl Claims for WidgetSession {
    const KIND: TokenKind = TokenKind::WidgetSession;
}

/// Claims of a citizen access token: `sub` is the citizen (an opaque id), `client_id` the
/// partner (RFC 9068 §2.2), `scope` space-separated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitizenAccess {
    #[serde(rename = "sub")]
    pub citizen_id: String,
    #[serde(rename = "client_id")]
    pub partner_id: String,
    pub consent_id: String,
    /// Granted scopes, space-separated (RFC 6749 §3.3).
    pub scope: String,
    pub mode: Mode,
}

impl CitizenAccess {
    /// The granted scopes, one by one.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split_whitespace()
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|granted| granted == scope)
    }
}

impl sealed::Sealed for CitizenAccess {}
impl Claims for CitizenAccess {
    const KIND: TokenKind = TokenKind::CitizenAccess;
}
