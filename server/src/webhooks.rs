//! Outgoing webhooks (Standard Webhooks 1.0): signing, endpoint checks, the retry schedule, one
//! delivery attempt, and the outbox whose worker drives them.
//!
//! A delivery, as the worker runs it:
//! 1. [`target::check_url`] when the endpoint is registered, and again before sending;
//! 2. [`target::resolve_public`], then [`delivery::client_for`] pinned to those addresses;
//! 3. [`signing::sign`] and [`signing::headers`] with the message's id and the current time;
//! 4. [`delivery::attempt`]; on `Failed`, [`schedule::next_attempt_at`]; on `Gone`, disable
//!    the endpoint.

pub mod delivery;
pub mod outbox;
pub mod schedule;
pub mod signing;
pub mod target;
