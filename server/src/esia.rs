//! The gateway's ESIA (Gosuslugi sign-in) side: the client-secret signer and the OAuth client
//! that talks to ESIA — the sandbox one in test mode, the real one in live mode.

pub mod client;
pub mod signer;

use time::{format_description::BorrowedFormatItem, macros::format_description};

/// ESIA's `timestamp`: `yyyy.MM.dd HH:mm:ss Z`, e.g. `2026.11.27 18:45:00 +0300`.
pub const TIMESTAMP_FORMAT: &[BorrowedFormatItem<'static>] = format_description!(
    "[year].[month].[day] [hour]:[minute]:[second] [offset_hour sign:mandatory][offset_minute]"
);
