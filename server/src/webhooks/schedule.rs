//! When to retry a failed delivery: exponential backoff with full jitter, capped per wait, given
//! up three days after the first attempt.

use rand::Rng;

/// The first retry waits up to this long.
pub const BASE_WAIT_MS: i64 = 5_000;
/// No single wait is longer: an endpoint back from an outage hears from us within hours.
pub const MAX_WAIT_MS: i64 = 6 * 60 * 60 * 1000;
/// A message is dropped once its first attempt is this old.
pub const GIVE_UP_AFTER_MS: i64 = 3 * 24 * 60 * 60 * 1000;
/// Full jitter can draw zero; a floor keeps a retry from racing the failure it follows.
pub const MIN_WAIT_MS: i64 = 1_000;

/// The longest wait after attempt `attempt_number` (1-based) failed: 5 s, 10 s, 20 s, …, 6 h.
pub fn max_wait_ms(attempt_number: u32) -> i64 {
    // 5 s × 2^13 already exceeds the cap; clamping the exponent keeps the shift from overflowing.
    let doublings = attempt_number.saturating_sub(1).min(20);
    (BASE_WAIT_MS << doublings).min(MAX_WAIT_MS)
}

/// When to try again after attempt `attempt_number` (1-based; 0 counts as 1) failed at
/// `now_ms`, or `None` to give up. The wait is drawn uniformly between [`MIN_WAIT_MS`] and
/// [`max_wait_ms`] ("full jitter"), which spreads the retries of many messages that failed
/// together across the whole window. The last retry is pulled in to the three-day deadline
/// rather than dropped, and at or after the deadline the answer is `None`.
pub fn next_attempt_at<R: Rng + ?Sized>(
    first_attempt_at_ms: i64,
    attempt_number: u32,
    now_ms: i64,
    rng: &mut R,
) -> Option<i64> {
    let deadline = first_attempt_at_ms.saturating_add(GIVE_UP_AFTER_MS);
    if now_ms >= deadline {
        return None;
    }
    let ceiling = max_wait_ms(attempt_number);
    let wait = rng.random_range(MIN_WAIT_MS.min(ceiling)..=ceiling);
    Some(now_ms.saturating_add(wait).min(deadline))
}

#[cfg(test)]
mod tests {
    use rand::{SeedableRng, rngs::StdRng};

    use super::*;

    const HOUR: i64 = 60 * 60 * 1000;
    const T0: i64 = 1_700_000_000_000;

    #[test]
    fn ceilings_double_from_five_seconds_up_to_the_cap() {
        assert_eq!(max_wait_ms(0), 5_000);
        assert_eq!(max_wait_ms(1), 5_000);
        assert_eq!(max_wait_ms(2), 10_000);
        assert_eq!(max_wait_ms(3), 20_000);
        assert_eq!(max_wait_ms(13), 5_000 << 12);
        assert_eq!(max_wait_ms(14), MAX_WAIT_MS);
        for n in [15, 40, 64, 65, 1000, u32::MAX] {
            assert_eq!(max_wait_ms(n), MAX_WAIT_MS, "{n}");
        }
        for n in 1..13 {
            assert_eq!(max_wait_ms(n + 1), 2 * max_wait_ms(n));
        }
    }

    #[test]
    fn jitter_stays_within_bounds_and_actually_varies() {
        let mut rng = StdRng::seed_from_u64(7);
        for n in 1..=30 {
            let ceiling = max_wait_ms(n);
            let waits: Vec<i64> = (0..500)
                .map(|_| next_attempt_at(T0, n, T0, &mut rng).unwrap() - T0)
                .collect();
            let (lo, hi) = (*waits.iter().min().unwrap(), *waits.iter().max().unwrap());
            assert!(lo >= MIN_WAIT_MS, "attempt {n}: {lo}");
            assert!(
                hi <= ceiling && hi <= MAX_WAIT_MS,
                "attempt {n}: {hi} > {ceiling}"
            );
            // Uniform over the range: 500 draws cover most of it.
            assert!(
                hi - lo > (ceiling - MIN_WAIT_MS) * 9 / 10,
                "attempt {n}: {lo}..{hi}"
            );
        }
    }

    #[test]
    fn waits_grow_until_the_cap() {
        let mut rng = StdRng::seed_from_u64(42);
        let mean = |n: u32, rng: &mut StdRng| {
            (0..2000)
                .map(|_| next_attempt_at(T0, n, T0, rng).unwrap() - T0)
                .sum::<i64>()
                / 2000
        };
        let means: Vec<i64> = (1..=16).map(|n| mean(n, &mut rng)).collect();
        for n in 1..13 {
            assert!(
                means[n] > means[n - 1],
                "mean wait did not grow at attempt {}",
                n + 1
            );
        }
        // Past the cap the mean sits near half of 6 h.
        assert!(
            (means[15] - MAX_WAIT_MS / 2).abs() < MAX_WAIT_MS / 10,
            "{}",
            means[15]
        );
    }

    #[test]
    fn same_seed_same_schedule() {
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (1..=20)
                .map(|n| next_attempt_at(T0, n, T0, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
    }

    #[test]
    fn gives_up_three_days_after_the_first_attempt() {
        let mut rng = StdRng::seed_from_u64(3);
        let deadline = T0 + GIVE_UP_AFTER_MS;
        assert_eq!(next_attempt_at(T0, 30, deadline, &mut rng), None);
        assert_eq!(next_attempt_at(T0, 30, deadline + HOUR, &mut rng), None);
        assert_eq!(next_attempt_at(T0, 1, deadline, &mut rng), None);
        // Just before the deadline: one last try, no later than the deadline.
        let last = next_attempt_at(T0, 30, deadline - HOUR, &mut rng).unwrap();
        assert!(last > deadline - HOUR && last <= deadline);
        assert_eq!(
            next_attempt_at(T0, 30, deadline - 1, &mut rng),
            Some(deadline)
        );
    }

    #[test]
    fn a_whole_failing_schedule_ends_on_the_deadline() {
        for seed in 0..20 {
            let mut rng = StdRng::seed_from_u64(seed);
            let deadline = T0 + GIVE_UP_AFTER_MS;
            let (mut now, mut attempt, mut times) = (T0, 1u32, vec![T0]);
            // Each attempt fails instantly at its scheduled time.
            while let Some(next) = next_attempt_at(T0, attempt, now, &mut rng) {
                assert!(next > now && next <= deadline);
                assert!(next - now <= MAX_WAIT_MS);
                now = next;
                attempt += 1;
                times.push(now);
                assert!(attempt < 200, "never gives up");
            }
            assert_eq!(*times.last().unwrap(), deadline, "seed {seed}");
            // ~11 h of ramp then 6 h-capped waits averaging 3 h: a few dozen attempts.
            assert!(
                (15..=60).contains(&times.len()),
                "seed {seed}: {}",
                times.len()
            );
        }
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let mut rng = StdRng::seed_from_u64(9);
        let first = i64::MAX - HOUR;
        let next = next_attempt_at(first, 20, first, &mut rng).unwrap();
        assert!(next > first);
        assert_eq!(next_attempt_at(i64::MIN, 1, 0, &mut rng), None);
        // A clock that went backwards still gets a wait from its own "now".
        let next = next_attempt_at(T0, 1, T0 - HOUR, &mut rng).unwrap();
        assert!(next > T0 - HOUR && next <= T0 - HOUR + BASE_WAIT_MS);
    }
}
