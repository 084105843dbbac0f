//! Who is calling, by network: the client's address (believing `X-Forwarded-For` only from
//! trusted proxies) and per-partner CIDR allow-lists.

use std::net::IpAddr;

use http::HeaderMap;
use ipnet::IpNet;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not an IP address or a CIDR network (e.g. 203.0.113.0/24)")]
pub struct NetworkError(pub String);

/// Parses CIDR networks; a bare address means just that address.
pub fn parse_networks(list: &[String]) -> Result<Vec<IpNet>, NetworkError> {
    list.iter()
        .map(|entry| {
            let entry = entry.trim();
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map(|net| net.trunc())
                .map_err(|_| NetworkError(entry.to_owned()))
        })
        .collect()
}

/// Whether `ip` may call: an empty list allows every address.
pub fn allowed(networks: &[IpNet], ip: IpAddr) -> bool {
    networks.is_empty() || networks.iter().any(|net| net.contains(&ip.to_canonical()))
}

/// The proxies in front of okno whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn parse(list: &[String]) -> Result<Self, NetworkError> {
        parse_networks(list).map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address. A peer that is not a trusted proxy is the client, whatever it
    /// claims. Behind trusted proxies, `X-Forwarded-For` is read from the right (each proxy
    /// appends): the first address not itself a trusted proxy is the client. Entries further
    /// left were written by the client and prove nothing.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        let mut client = peer;
        for entry in forwarded.iter().rev() {
            let Ok(ip) = entry.parse::<IpAddr>().map(|ip| ip.to_canonical()) else {
                // A malformed hop: stop at the last address a trusted proxy vouched for.
                return client;
            };
            client = ip;
            if !self.trusts(ip) {
                return ip;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().expect("header"));
        headers
    }

    #[test]
    fn networks_parse_cidrs_and_bare_addresses_and_refuse_garbage() {
        let nets = parse_networks(&["203.0.113.0/24".into(), "2001:db8::1".into()]).expect("ok");
        assert!(allowed(&nets, ip("203.0.113.77")));
        assert!(allowed(&nets, ip("2001:db8::1")));
        assert!(!allowed(&nets, ip("203.0.114.1")));
        assert!(!allowed(&nets, ip("2001:db8::2")));
        assert_eq!(
            parse_networks(&["10.0.0.0/33".into()]),
            Err(NetworkError("10.0.0.0/33".into()))
        );
        assert!(allowed(&[], ip("198.51.100.1")), "no list: anywhere");
    }

    #[test]
    fn ipv4_mapped_ipv6_peers_match_ipv4_networks() {
        let nets = parse_networks(&["192.0.2.0/24".into()]).expect("ok");
        assert!(allowed(&nets, ip("::ffff:192.0.2.9")));
    }

    #[test]
    fn forwarded_for_is_ignored_from_an_untrusted_peer() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into()]).expect("ok");
        let spoofed = forwarded("203.0.113.5");
        assert_eq!(
            proxies.client_ip(ip("198.51.100.7"), &spoofed),
            ip("198.51.100.7")
        );
        let none = TrustedProxies::default();
        assert_eq!(none.client_ip(ip("10.0.0.1"), &spoofed), ip("10.0.0.1"));
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into()]).expect("ok");
        // The client put a fake address first; the proxies appended the real one.
        let chain = forwarded("1.1.1.1, 203.0.113.5, 10.0.0.2");
        assert_eq!(proxies.client_ip(ip("10.0.0.1"), &chain), ip("203.0.113.5"));
        assert_eq!(
            proxies.client_ip(ip("10.0.0.1"), &forwarded("garbage, 10.0.0.3")),
            ip("10.0.0.3")
        );
    }
}
