//! The portal's published per-system limit: 2,000 requests a minute. Counted in fixed one-minute
//! windows by the sandbox's clock — a plain counter matches a published fixed window exactly and
//! is testable with an injected clock, which a token-bucket crate's own clock is not.

use std::collections::HashMap;

use axum::http::StatusCode;
use time::OffsetDateTime;

use super::PortalRefusal;

pub const REQUESTS_PER_MINUTE: u32 = 2_000;

#[derive(Default)]
pub struct SystemLimit {
    /// The minute (unix time / 60) being counted.
    window: i64,
    counts: HashMap<String, u32>,
}

impl SystemLimit {
    /// Counts one request of `system`; refuses it with 429 `limitation_exception` over the limit.
    pub fn admit(&mut self, system: &str, now: OffsetDateTime) -> Result<(), PortalRefusal> {
        let window = now.unix_timestamp().div_euclid(60);
        if window != self.window {
            self.window = window;
            self.counts.clear();
        }
        let count = self.counts.entry(system.to_owned()).or_insert(0);
        if *count >= REQUESTS_PER_MINUTE {
            return Err(PortalRefusal(
                StatusCode::TOO_MANY_REQUESTS,
                "limitation_exception",
                format!("Превышен лимит {REQUESTS_PER_MINUTE} запросов в минуту для системы"),
            ));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    #[test]
    fn the_2001st_request_in_a_minute_is_refused_and_the_next_minute_starts_afresh() {
        let mut limit = SystemLimit::default();
        let start = OffsetDateTime::UNIX_EPOCH + Duration::days(1);
        for _ in 0..REQUESTS_PER_MINUTE {
            limit.admit("OKNO", start).expect("within the limit");
        }
        let refused = limit
            .admit("OKNO", start + Duration::seconds(59))
            .expect_err("over");
        assert_eq!(
            (refused.0, refused.1),
            (StatusCode::TOO_MANY_REQUESTS, "limitation_exception")
        );
        assert!(
            limit.admit("OTHER", start).is_ok(),
            "each system has its own count"
        );
        assert!(limit.admit("OKNO", start + Duration::seconds(60)).is_ok());
    }
}
