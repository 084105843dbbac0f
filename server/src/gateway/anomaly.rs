//! Anomaly rules: a burst of failures (bad signatures, replays, refused submissions) from one
//! key, address or citizen blocks that subject for a while. The caller raises the alert.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
};

/// How many failures within how long block a subject, and for how long (milliseconds).
#[derive(Debug, Clone, Copy)]
pub struct AnomalyRules {
    pub failure_limit: u32,
    pub window_ms: i64,
    pub block_ms: i64,
}

#[derive(Default)]
struct Subject {
    failures: VecDeque<i64>,
    blocked_until: i64,
}

/// The failures and blocks of one okno process (the scale-out issue shares them over Redis).
pub struct Anomalies {
    rules: AnomalyRules,
    subjects: Mutex<HashMap<String, Subject>>,
}

impl Anomalies {
    pub fn new(rules: AnomalyRules) -> Self {
        Anomalies {
            rules,
            subjects: Mutex::new(HashMap::new()),
        }
    }

    fn subjects(&self) -> std::sync::MutexGuard<'_, HashMap<String, Subject>> {
        // A panic while holding this lock cannot leave the counters inconsistent in a way
        // that matters more than refusing every request would.
        self.subjects
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// When `subject` (`ip:…`, `key:…`, `citizen:…`) is blocked until, if it is now.
    pub fn blocked_until(&self, subject: &str, now_ms: i64) -> Option<i64> {
        self.subjects()
            .get(subject)
            .map(|s| s.blocked_until)
            .filter(|&until| until > now_ms)
    }

    /// Counts one failure; returns the end of the block this failure starts, if it starts one.
    pub fn note_failure(&self, subject: &str, now_ms: i64) -> Option<i64> {
        let mut subjects = self.subjects();
        let entry = subjects.entry(subject.to_owned()).or_default();
        if entry.blocked_until > now_ms {
            return None;
        }
        entry.failures.push_back(now_ms);
        while entry
            .failures
            .front()
            .is_some_and(|&at| at <= now_ms - self.rules.window_ms)
        {
            entry.failures.pop_front();
        }
        if entry.failures.len() >= self.rules.failure_limit as usize {
            entry.failures.clear();
            entry.blocked_until = now_ms + self.rules.block_ms;
            return Some(entry.blocked_until);
        }
        None
    }

    /// Forgets subjects with no recent failure and no block.
    pub fn forget_idle(&self, now_ms: i64) {
        let window = self.rules.window_ms;
        self.subjects().retain(|_, s| {
            s.blocked_until > now_ms || s.failures.back().is_some_and(|&at| at > now_ms - window)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: AnomalyRules = AnomalyRules {
        failure_limit: 3,
        window_ms: 60_000,
        block_ms: 600_000,
    };

    #[test]
    fn a_burst_blocks_the_subject_for_the_block_time_then_lets_it_go() {
        let anomalies = Anomalies::new(RULES);
        assert_eq!(anomalies.note_failure("ip:a", 1_000), None);
        assert_eq!(anomalies.note_failure("ip:a", 2_000), None);
        assert_eq!(anomalies.note_failure("ip:a", 3_000), Some(603_000));
        assert_eq!(anomalies.blocked_until("ip:a", 4_000), Some(603_000));
        assert_eq!(anomalies.blocked_until("ip:b", 4_000), None, "per subject");
        assert_eq!(
            anomalies.note_failure("ip:a", 5_000),
            None,
            "one alert per block"
        );
        assert_eq!(anomalies.blocked_until("ip:a", 603_000), None);
    }

    #[test]
    fn failures_spread_wider_than_the_window_do_not_block() {
        let anomalies = Anomalies::new(RULES);
        for at in [0, 40_000, 80_000, 120_000] {
            assert_eq!(anomalies.note_failure("key:k", at), None);
        }
        anomalies.forget_idle(500_000);
        assert!(anomalies.subjects().is_empty());
    }
}
