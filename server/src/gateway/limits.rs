//! Request rates per partner and per client address: GCRA limiters (governor) that answer how
//! long to wait, for `Retry-After`.

use std::{hash::Hash, net::IpAddr, num::NonZeroU32, time::Duration};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};

/// Both limiters of one okno process.
pub struct RateLimits {
    per_partner: DefaultKeyedRateLimiter<String>,
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

fn limiter<K: Hash + Eq + Clone>(per_minute: NonZeroU32) -> DefaultKeyedRateLimiter<K> {
    RateLimiter::keyed(Quota::per_minute(per_minute))
}

fn check<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), Duration> {
    limiter
        .check_key(key)
        .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
}

impl RateLimits {
    /// Each key may burst up to its per-minute figure, then is held to that steady rate.
    pub fn new(partner_per_minute: NonZeroU32, ip_per_minute: NonZeroU32) -> Self {
        RateLimits {
            per_partner: limiter(partner_per_minute),
            per_ip: limiter(ip_per_minute),
        }
    }

    /// `Err(wait)` when this address has used its rate.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Duration> {
        check(&self.per_ip, &ip)
    }

    /// `Err(wait)` when this partner has used its rate.
    pub fn check_partner(&self, partner_id: &str) -> Result<(), Duration> {
        check(&self.per_partner, &partner_id.to_owned())
    }

    /// Drops the state of keys that are back to a full burst, so memory follows active callers.
    pub fn forget_idle(&self) {
        self.per_partner.retain_recent();
        self.per_ip.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_beyond_the_rate_is_refused_with_a_wait_and_others_are_unaffected() {
        let three = NonZeroU32::new(3).expect("nonzero");
        let limits = RateLimits::new(three, three);
        for _ in 0..3 {
            assert!(limits.check_partner("prt_a").is_ok());
        }
        let wait = limits
            .check_partner("prt_a")
            .expect_err("fourth is over the rate");
        assert!(wait > Duration::from_secs(1) && wait <= Duration::from_secs(20));
        assert!(
            limits.check_partner("prt_b").is_ok(),
            "limits are per partner"
        );
        let ip: IpAddr = "192.0.2.1".parse().expect("ip");
        for _ in 0..3 {
            assert!(limits.check_ip(ip).is_ok());
        }
        assert!(limits.check_ip(ip).is_err());
    }
}
