//! SSRF guard for webhook endpoints: only http(s) URLs without credentials whose host resolves
//! to public addresses only, checked before each delivery and pinned for its connection.
//!
//! How the caller pins: resolve, then build the client with exactly those addresses, so the
//! connection cannot go anywhere the check did not see (a second DNS answer — rebinding — is
//! never asked for):
//!
//! ```text
//! let url = target::check_url(&endpoint.url, allow_private)?;
//! let addrs = target::resolve_public(&url, allow_private).await?;
//! // reqwest::Client::builder().resolve_to_addrs(host, &addrs) for a domain host; an IP
//! // literal is never resolved by reqwest, and resolve_public has checked it already.
//! let client = delivery::client_for(&url, &addrs)?;
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

/// Longer URLs are not endpoints anyone types; refusing them keeps rows and logs small.
const MAX_URL_LEN: usize = 2048;
/// getaddrinfo can retry a dead resolver for much longer; a delivery should not wait on it.
const DNS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TargetError {
    #[error("invalid webhook URL: {0}")]
    Invalid(String),
    #[error(
        "webhook host {host} points to {addr} ({reason}); webhooks are delivered only to \
         public internet addresses"
    )]
    Forbidden {
        host: String,
        addr: IpAddr,
        reason: &'static str,
    },
    #[error(
        "webhook host {host} could not be resolved ({reason}); check the domain name and its \
         DNS records"
    )]
    Unresolvable { host: String, reason: String },
}

impl TargetError {
    /// The stable code API clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            TargetError::Invalid(_) => "webhook_url_invalid",
            TargetError::Forbidden { .. } => "webhook_target_forbidden",
            TargetError::Unresolvable { .. } => "webhook_host_unresolvable",
        }
    }
}

/// Parses and checks an endpoint URL without touching the network, so it can run when the
/// endpoint is registered. An IP-literal host is checked here too; domains are checked by
/// [`resolve_public`] before every delivery. `allow_private` is the sandbox's switch: it
/// admits http and non-public addresses.
pub fn check_url(url: &str, allow_private: bool) -> Result<Url, TargetError> {
    let invalid = |why: &str| TargetError::Invalid(why.to_owned());
    if url.len() > MAX_URL_LEN {
        return Err(invalid(&format!(
            "the URL is longer than {MAX_URL_LEN} characters"
        )));
    }
    let parsed = Url::parse(url)
        .map_err(|e| invalid(&format!("{e}; expected e.g. https://example.com/webhooks")))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => {
            return Err(invalid(
                "the URL must use https (plain http is accepted only in the sandbox)",
            ));
        }
        other => {
            return Err(invalid(&format!("the scheme must be https, not {other:?}")));
        }
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid(
            "the URL must not contain a user name or password; receivers authenticate webhooks \
             by their webhook-signature header",
        ));
    }
    let host = parsed
        .host()
        .ok_or_else(|| invalid("the URL has no host"))?;
    let literal = match host {
        Host::Domain("") => return Err(invalid("the URL has no host")),
        Host::Domain(_) => None,
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
    };
    if let Some(ip) = literal {
        check_addr(&host_label(&parsed), ip, allow_private)?;
    }
    Ok(parsed)
}

/// Resolves the URL's host and returns its addresses, refusing (unless `allow_private`) when
/// any of them is not public: a name answering both a public and a private address must not
/// get through by luck of which one is dialled. Connect only to what this returns.
pub async fn resolve_public(
    url: &Url,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, TargetError> {
    let label = host_label(url);
    let port = url
        .port_or_known_default()
        .ok_or_else(|| TargetError::Invalid("the URL has no port and no default one".to_owned()))?;
    let addrs: Vec<SocketAddr> = match url.host() {
        Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Some(Host::Domain(domain)) if !domain.is_empty() => {
            let unresolvable = |reason: String| TargetError::Unresolvable {
                host: label.clone(),
                reason,
            };
            let found = tokio::time::timeout(DNS_TIMEOUT, tokio::net::lookup_host((domain, port)))
                .await
                .map_err(|_| unresolvable(format!("no answer within {DNS_TIMEOUT:?}")))?
                .map_err(|e| unresolvable(e.to_string()))?;
            let mut addrs: Vec<SocketAddr> = Vec::new();
            for addr in found {
                if !addrs.contains(&addr) {
                    addrs.push(addr);
                }
            }
            addrs
        }
        _ => return Err(TargetError::Invalid("the URL has no host".to_owned())),
    };
    if addrs.is_empty() {
        return Err(TargetError::Unresolvable {
            host: label,
            reason: "no addresses".to_owned(),
        });
    }
    check_all(&label, &addrs, allow_private)?;
    Ok(addrs)
}

/// Every address must pass, not just the first: which one the client dials is not ours to know.
fn check_all(host: &str, addrs: &[SocketAddr], allow_private: bool) -> Result<(), TargetError> {
    addrs
        .iter()
        .try_for_each(|addr| check_addr(host, addr.ip(), allow_private))
}

fn check_addr(host: &str, ip: IpAddr, allow_private: bool) -> Result<(), TargetError> {
    match forbidden_reason(ip) {
        Some(reason) if !allow_private => Err(TargetError::Forbidden {
            host: host.to_owned(),
            addr: ip,
            reason,
        }),
        _ => Ok(()),
    }
}

fn host_label(url: &Url) -> String {
    url.host_str().unwrap_or_default().to_owned()
}

/// IPv4 networks a webhook must never reach, with the words the error shows.
#[rustfmt::skip] // One network per line reads as the table it is.
const FORBIDDEN_V4: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, "\"this network\", 0.0.0.0/8"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "private network"),
    (Ipv4Addr::new(100, 64, 0, 0), 10, "carrier-grade NAT"),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "loopback"),
    (Ipv4Addr::new(169, 254, 0, 0), 16, "link-local"),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "private network"),
    (Ipv4Addr::new(192, 0, 0, 0), 24, "IETF protocol assignments"),
    (Ipv4Addr::new(192, 0, 2, 0), 24, "documentation range"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, "private network"),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "benchmarking range"),
    (Ipv4Addr::new(198, 51, 100, 0), 24, "documentation range"),
    (Ipv4Addr::new(203, 0, 113, 0), 24, "documentation range"),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "multicast"),
    (Ipv4Addr::new(255, 255, 255, 255), 32, "broadcast"),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "reserved"),
];

/// IPv6 networks a webhook must never reach. Ranges that embed an IPv4 address are handled in
/// [`forbidden_reason_v6`] first, so `::ffff:127.0.0.1` is judged as 127.0.0.1.
#[rustfmt::skip]
const FORBIDDEN_V6: &[(Ipv6Addr, u8, &str)] = &[
    (Ipv6Addr::UNSPECIFIED, 128, "unspecified address"),
    (Ipv6Addr::LOCALHOST, 128, "loopback"),
    // IPv4-compatible addresses (deprecated): nothing public lives there.
    (Ipv6Addr::UNSPECIFIED, 96, "IPv4-compatible IPv6"),
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, "local-use NAT64"),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, "discard-only range"),
    // Teredo embeds an obfuscated IPv4 peer that cannot be judged; no endpoint needs it.
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 32, "Teredo tunnel"),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, "documentation range"),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20, "documentation range"),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, "unique local address"),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "link-local"),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, "site-local (deprecated)"),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "multicast"),
];

/// Why `ip` is not a public address, or `None` when it is.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_reason_v4(v4),
        IpAddr::V6(v6) => forbidden_reason_v6(v6),
    }
}

fn forbidden_reason_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let bits = u32::from(ip);
    FORBIDDEN_V4.iter().find_map(|&(net, prefix, reason)| {
        let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
        (bits & mask == u32::from(net) & mask).then_some(reason)
    })
}

fn forbidden_reason_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(ip);
    let segments = ip.segments();
    // Addresses that carry an IPv4 address are as forbidden as that address, since the kernel
    // (mapped) or a NAT64/6to4 gateway delivers them there.
    let low32 = Ipv4Addr::from((bits & 0xffff_ffff) as u32);
    let embedded = match bits >> 32 {
        0xffff => Some(low32),                          // ::ffff:0:0/96, IPv4-mapped
        0x0064_ff9b_0000_0000_0000_0000 => Some(low32), // 64:ff9b::/96, NAT64
        // 2002::/16, 6to4: the IPv4 address is the 32 bits after the prefix.
        _ if segments[0] == 0x2002 => Some(Ipv4Addr::from(
            (u32::from(segments[1]) << 16) | u32::from(segments[2]),
        )),
        _ => None,
    };
    if let Some(v4) = embedded {
        return forbidden_reason_v4(v4);
    }
    FORBIDDEN_V6.iter().find_map(|&(net, prefix, reason)| {
        let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
        (bits & mask == u128::from(net) & mask).then_some(reason)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One address from each forbidden range, as a URL host.
    const FORBIDDEN_HOSTS: &[&str] = &[
        "0.0.0.0",
        "0.1.2.3",
        "10.0.0.1",
        "10.255.255.255",
        "100.64.0.1",
        "100.127.255.254",
        "127.0.0.1",
        "127.255.0.9",
        "169.254.169.254", // cloud metadata
        "172.16.0.1",
        "172.31.255.255",
        "192.0.0.8",
        "192.0.2.10",
        "192.168.1.1",
        "198.18.0.1",
        "198.51.100.7",
        "203.0.113.99",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "[::]",
        "[::1]",
        "[::127.0.0.1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:10.1.2.3]",
        "[::ffff:169.254.169.254]",
        "[::ffff:192.168.0.1]",
        "[64:ff9b::7f00:1]",
        "[64:ff9b:1::8.8.8.8]",
        "[100::1]",
        "[2001::1]",
        "[2001:db8::1]",
        "[3fff::1]",
        "[2002:7f00:1::1]",
        "[2002:a00:1::]",
        "[fc00::1]",
        "[fd12:3456::1]",
        "[fe80::1]",
        "[febf::1]",
        "[fec0::1]",
        "[ff02::1]",
    ];

    const PUBLIC_HOSTS: &[&str] = &[
        "8.8.8.8",
        "1.1.1.1",
        "9.255.255.255",
        "11.0.0.0",
        "100.63.255.255",
        "100.128.0.0",
        "126.255.255.255",
        "128.0.0.0",
        "169.253.255.255",
        "169.255.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.0.1.0",
        "192.167.255.255",
        "192.169.0.0",
        "198.17.255.255",
        "198.20.0.0",
        "223.255.255.255",
        "[2606:4700:4700::1111]",
        "[2a00:1450:4001::1]",
        "[::ffff:8.8.8.8]",
        "[64:ff9b::808:808]",
        "[2002:808:808::1]",
        "[2001:4860::8888]",
    ];

    fn url(host: &str) -> String {
        format!("https://{host}/hooks")
    }

    #[tokio::test]
    async fn every_forbidden_range_is_refused_live_and_allowed_in_the_sandbox() {
        for host in FORBIDDEN_HOSTS {
            let live = check_url(&url(host), false);
            let err = live.expect_err(host);
            assert_eq!(err.code(), "webhook_target_forbidden", "{host}: {err}");

            let sandbox = check_url(&url(host), true).unwrap();
            let addrs = resolve_public(&sandbox, true).await.unwrap();
            assert_eq!(addrs.len(), 1);
            assert_eq!(addrs[0].port(), 443);
            // resolve_public refuses them on its own, for URLs that skipped check_url.
            let err = resolve_public(&sandbox, false).await.unwrap_err();
            assert_eq!(err.code(), "webhook_target_forbidden", "{host}");
        }
    }

    #[tokio::test]
    async fn public_addresses_pass() {
        for host in PUBLIC_HOSTS {
            let checked = check_url(&url(host), false).unwrap_or_else(|e| panic!("{host}: {e}"));
            let addrs = resolve_public(&checked, false).await.unwrap();
            assert_eq!(addrs.len(), 1, "{host}");
        }
    }

    #[test]
    fn obfuscated_loopback_is_normalised_then_refused() {
        // The URL parser reads these as 127.0.0.1, as a browser or curl would.
        for host in [
            "0x7f.1",
            "2130706433",
            "017700000001",
            "127.1",
            "0x7f000001",
        ] {
            let err = check_url(&url(host), false).unwrap_err();
            assert_eq!(err.code(), "webhook_target_forbidden", "{host}");
        }
    }

    #[test]
    fn http_only_in_the_sandbox() {
        let err = check_url("http://example.com/hooks", false).unwrap_err();
        assert_eq!(err.code(), "webhook_url_invalid");
        assert!(err.to_string().contains("https"), "{err}");
        assert!(check_url("http://example.com/hooks", true).is_ok());
        assert!(check_url("https://example.com/hooks", false).is_ok());
    }

    #[test]
    fn other_schemes_are_refused_everywhere() {
        for bad in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "gopher://example.com/",
            "ws://example.com/",
            "javascript:alert(1)",
            "data:text/plain,hi",
        ] {
            for allow_private in [false, true] {
                let err = check_url(bad, allow_private).unwrap_err();
                assert_eq!(err.code(), "webhook_url_invalid", "{bad}");
            }
        }
    }

    #[test]
    fn credentials_in_the_url_are_refused() {
        for bad in [
            "https://user@example.com/",
            "https://user:pass@example.com/",
            "https://:pass@example.com/",
            "https://admin:admin@127.0.0.1/",
            "https://user%40corp:p%3Ass@example.com/",
        ] {
            for allow_private in [false, true] {
                let err = check_url(bad, allow_private).unwrap_err();
                assert_eq!(err.code(), "webhook_url_invalid", "{bad}");
                assert!(err.to_string().contains("user name or password"), "{err}");
            }
        }
    }

    #[test]
    fn malformed_urls_are_invalid() {
        for bad in ["", "example.com/hooks", "https://", "https://exa mple.com/"] {
            let err = check_url(bad, true).unwrap_err();
            assert_eq!(err.code(), "webhook_url_invalid", "{bad:?}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(
            check_url(&long, false).unwrap_err().code(),
            "webhook_url_invalid"
        );
    }

    #[tokio::test]
    async fn localhost_resolves_to_loopback_and_is_refused() {
        for name in ["localhost", "LocalHost"] {
            let checked = check_url(&format!("https://{name}:8443/hooks"), false).unwrap();
            let err = resolve_public(&checked, false).await.unwrap_err();
            assert_eq!(err.code(), "webhook_target_forbidden", "{name}: {err}");
            assert!(err.to_string().contains("loopback"), "{err}");

            let sandbox = check_url(&format!("http://{name}:8443/hooks"), true).unwrap();
            let addrs = resolve_public(&sandbox, true).await.unwrap();
            assert!(!addrs.is_empty());
            assert!(
                addrs
                    .iter()
                    .all(|a| a.ip().is_loopback() && a.port() == 8443)
            );
        }
    }

    #[tokio::test]
    async fn fully_qualified_localhost_does_not_get_through_either() {
        // Whether "localhost." resolves depends on the machine's resolver; both answers refuse.
        let checked = check_url("https://localhost./hooks", false).unwrap();
        let err = resolve_public(&checked, false).await.unwrap_err();
        assert!(
            ["webhook_target_forbidden", "webhook_host_unresolvable"].contains(&err.code()),
            "{err}"
        );
    }

    #[tokio::test]
    async fn unknown_hosts_are_unresolvable() {
        // .invalid never resolves (RFC 6761).
        let checked = check_url("https://no-such-host.invalid/hooks", false).unwrap();
        let err = resolve_public(&checked, false).await.unwrap_err();
        assert_eq!(err.code(), "webhook_host_unresolvable", "{err}");
        assert!(err.to_string().contains("no-such-host.invalid"), "{err}");
    }

    #[test]
    fn forbidden_message_names_host_address_and_reason() {
        let err = check_url("https://[::ffff:169.254.169.254]/", false).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("169.254.169.254") && text.contains("link-local"),
            "{text}"
        );
        assert!(text.contains("public internet addresses"), "{text}");
    }

    #[test]
    fn mixed_answers_are_refused_whatever_the_order() {
        let public: SocketAddr = "8.8.8.8:443".parse().unwrap();
        let public6: SocketAddr = "[2606:4700:4700::1111]:443".parse().unwrap();
        let private: SocketAddr = "10.0.0.1:443".parse().unwrap();
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:443".parse().unwrap();
        assert!(check_all("h", &[public, public6], false).is_ok());
        for addrs in [
            vec![public, private],
            vec![private, public],
            vec![public, public6, mapped],
        ] {
            let err = check_all("h", &addrs, false).unwrap_err();
            assert_eq!(err.code(), "webhook_target_forbidden");
            assert!(check_all("h", &addrs, true).is_ok());
        }
    }
}
