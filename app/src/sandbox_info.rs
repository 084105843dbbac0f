//! What the sandbox page shows a test partner: test citizens, the test data that picks a status
//! path, and the faults currently injected into the sandbox portal.

use serde::{Deserialize, Serialize};

/// A test citizen as listed on the sandbox page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestCitizenCard {
    pub oid: String,
    pub full_name: String,
    /// The account level as Gosuslugi names it, e.g. "Подтверждённая учётная запись".
    pub level: String,
    pub snils: Option<String>,
    pub inn: Option<String>,
    pub passport: Option<String>,
    pub phone: Option<String>,
    pub purpose: String,
}

/// A word in the application's data that sends it down another status path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathTrigger {
    pub word: String,
    pub outcome: String,
}

/// The faults injected into the sandbox portal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultState {
    pub latency_ms: u64,
    pub error_rate: f64,
    pub outage_remaining_seconds: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SandboxOverview {
    pub citizens: Vec<TestCitizenCard>,
    pub triggers: Vec<PathTrigger>,
    /// Seconds between scheduled status changes.
    pub step_seconds: u64,
    /// `None` when the sandbox portal did not answer.
    pub faults: Option<FaultState>,
}
