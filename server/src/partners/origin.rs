//! `Origin::parse`: a web origin (scheme, host, port) normalised once, optionally a stored wildcard.

use std::fmt;

use url::Url;

/// An allowed or observed origin, always in normal form `scheme://host[:port]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    scheme: String,
    /// Lower-case host; for a wildcard, the part after `*.`.
    host: String,
    /// Only when it is not the scheme's default.
    port: Option<u16>,
    /// `https://*.bank.example` matches any subdomain of `bank.example`, never `bank.example` itself.
    wildcard: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    #[error("{0:?} is not a URL origin like https://shop.example")]
    NotAUrl(String),
    #[error("{0:?}: only http and https origins can embed the widget")]
    Scheme(String),
    #[error("{0:?}: an origin has no path, query, fragment or user name")]
    NotBare(String),
    #[error(
        "{0:?}: a wildcard must be the first label of a domain with at least two more (https://*.bank.example)"
    )]
    Wildcard(String),
}

impl Origin {
    /// Parses and normalises `https://Shop.Example:443` → `https://shop.example`.
    pub fn parse(input: &str) -> Result<Origin, OriginError> {
        let input = input.trim();
        let (text, wildcard) = match input.split_once("://*.") {
            Some((scheme, rest)) => (format!("{scheme}://{rest}"), true),
            None => (input.to_owned(), false),
        };
        if text.contains('*') {
            return Err(OriginError::Wildcard(input.to_owned()));
        }
        let url = Url::parse(&text).map_err(|_| OriginError::NotAUrl(input.to_owned()))?;
        let scheme = url.scheme().to_owned();
        if scheme != "http" && scheme != "https" {
            return Err(OriginError::Scheme(input.to_owned()));
        }
        let authority = text.split_once("://").map_or("", |(_, rest)| rest);
        let authority = authority.strip_suffix('/').unwrap_or(authority);
        if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
            return Err(OriginError::NotBare(input.to_owned()));
        }
        let host = url
            .host_str()
            .ok_or_else(|| OriginError::NotAUrl(input.to_owned()))?
            .to_owned();
        if wildcard && (host.split('.').count() < 2 || host.parse::<std::net::IpAddr>().is_ok()) {
            return Err(OriginError::Wildcard(input.to_owned()));
        }
        Ok(Origin {
            scheme,
            host,
            port: url.port(),
            wildcard,
        })
    }

    /// Whether a concrete origin (from a browser) is allowed by this one.
    pub fn allows(&self, origin: &Origin) -> bool {
        if origin.wildcard || self.scheme != origin.scheme || self.port != origin.port {
            return false;
        }
        if self.wildcard {
            origin
                .host
                .strip_suffix(self.host.as_str())
                .is_some_and(|prefix| prefix.len() > 1 && prefix.ends_with('.'))
        } else {
            self.host == origin.host
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let star = if self.wildcard { "*." } else { "" };
        write!(f, "{}://{star}{}", self.scheme, self.host)?;
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(s: &str) -> Origin {
        Origin::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn normalises_case_default_ports_and_a_trailing_slash() {
        assert_eq!(
            origin("HTTPS://Shop.Example:443/").to_string(),
            "https://shop.example"
        );
        assert_eq!(
            origin("http://localhost:8080").to_string(),
            "http://localhost:8080"
        );
        assert_eq!(
            origin("http://127.0.0.1:80").to_string(),
            "http://127.0.0.1"
        );
        assert_eq!(
            origin("https://*.Bank.example").to_string(),
            "https://*.bank.example"
        );
    }

    #[test]
    fn refuses_what_is_not_a_bare_origin() {
        for bad in [
            "https://a.example/path",
            "https://a.example?x=1",
            "https://a.example#top",
            "https://user@a.example",
            "https://a.example//",
        ] {
            assert_eq!(
                Origin::parse(bad),
                Err(OriginError::NotBare(bad.into())),
                "{bad}"
            );
        }
        assert!(matches!(
            Origin::parse("ftp://a.example"),
            Err(OriginError::Scheme(_))
        ));
        assert!(matches!(
            Origin::parse("javascript:alert(1)"),
            Err(OriginError::Scheme(_))
        ));
        assert!(matches!(
            Origin::parse("a.example"),
            Err(OriginError::NotAUrl(_))
        ));
        assert!(matches!(Origin::parse(""), Err(OriginError::NotAUrl(_))));
    }

    #[test]
    fn wildcards_only_as_a_leading_label_of_a_real_domain() {
        for bad in [
            "https://*",
            "https://a.*.example",
            "https://*.com",
            "https://*.1.2.3.4",
            "*",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn exact_origins_match_only_themselves() {
        let allowed = origin("https://a.example");
        assert!(allowed.allows(&origin("https://A.example:443")));
        assert!(!allowed.allows(&origin("http://a.example")));
        assert!(!allowed.allows(&origin("https://a.example:8443")));
        assert!(!allowed.allows(&origin("https://sub.a.example")));
        assert!(!allowed.allows(&origin("https://a.example.evil")));
    }

    #[test]
    fn wildcards_match_subdomains_but_not_the_domain_or_lookalikes() {
        let allowed = origin("https://*.bank.example");
        assert!(allowed.allows(&origin("https://online.bank.example")));
        assert!(allowed.allows(&origin("https://a.b.bank.example")));
        assert!(!allowed.allows(&origin("https://bank.example")));
        assert!(!allowed.allows(&origin("https://evilbank.example")));
        assert!(!allowed.allows(&origin("http://online.bank.example")));
        assert!(!allowed.allows(&origin("https://*.bank.example")));
    }
}
