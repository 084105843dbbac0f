//! The audit log's hash chain: how a record is linked to the one before it, and how a chain is
//! verified. Each hash covers the previous hash and every field of the record, so an edit, a
//! deletion or a reordering breaks the chain at the first record it touches.

use sha2::{Digest, Sha256};

use super::{AuditDraft, AuditRecord};

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 over the previous hash and the record's fields as a JSON array (unambiguous framing).
fn digest(prev_hash: &str, seq: i64, draft: &AuditDraft) -> String {
    let fields = serde_json::json!([
        seq,
        draft.at,
        draft.actor,
        draft.action,
        draft.target,
        draft.outcome,
        draft.error_code,
        draft.request_id,
        draft.client_ip,
    ]);
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(fields.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

/// The record that follows `(prev_seq, prev_hash)`.
pub fn link(prev_seq: i64, prev_hash: &str, draft: &AuditDraft) -> AuditRecord {
    let seq = prev_seq + 1;
    AuditRecord {
        seq,
        hash: digest(prev_hash, seq, draft),
        prev_hash: prev_hash.to_owned(),
        draft: draft.clone(),
    }
}

/// Where a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("record #{seq}: {reason}")]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: &'static str,
}

/// Walks records in `seq` order, page by page, remembering only the last one.
#[derive(Debug)]
pub struct Verifier {
    last_seq: i64,
    last_hash: String,
    checked: u64,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            last_seq: 0,
            last_hash: GENESIS.to_owned(),
            checked: 0,
        }
    }
}

impl Verifier {
    pub fn check(&mut self, record: &AuditRecord) -> Result<(), BrokenLink> {
        let broken = |reason| {
            Err(BrokenLink {
                seq: record.seq,
                reason,
            })
        };
        if record.seq != self.last_seq + 1 {
            return broken("a record is missing before this one");
        }
        if record.prev_hash != self.last_hash {
            return broken(
                "does not follow the record before it (moved, or the one before was changed)",
            );
        }
        if digest(&record.prev_hash, record.seq, &record.draft) != record.hash {
            return broken("its content was changed after it was written");
        }
        self.last_seq = record.seq;
        self.last_hash.clone_from(&record.hash);
        self.checked += 1;
        Ok(())
    }

    pub fn checked(&self) -> u64 {
        self.checked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(action: &str) -> AuditDraft {
        AuditDraft {
            at: 1_764_000_000_000,
            actor: "operator:cli".into(),
            action: action.into(),
            target: "prt_1".into(),
            outcome: "ok".into(),
            error_code: None,
            request_id: None,
            client_ip: None,
        }
    }

    fn chain(n: usize) -> Vec<AuditRecord> {
        let mut records: Vec<AuditRecord> = Vec::new();
        for i in 0..n {
            let (seq, hash) = records
                .last()
                .map_or((0, GENESIS.to_owned()), |r| (r.seq, r.hash.clone()));
            records.push(link(seq, &hash, &draft(&format!("action.{i}"))));
        }
        records
    }

    fn verify(records: &[AuditRecord]) -> Result<u64, BrokenLink> {
        let mut verifier = Verifier::default();
        for record in records {
            verifier.check(record)?;
        }
        Ok(verifier.checked())
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn an_edit_a_deletion_and_a_reordering_are_each_found_at_the_first_touched_record() {
        let mut edited = chain(5);
        edited[2].draft.outcome = "refused".into();
        assert_eq!(verify(&edited).map_err(|b| b.seq), Err(3));

        let mut deleted = chain(5);
        deleted.remove(1);
        assert_eq!(verify(&deleted).map_err(|b| b.seq), Err(3));

        let mut reordered = chain(5);
        reordered.swap(1, 2);
        assert!(verify(&reordered).is_err());

        // Renumbering to hide a deletion still breaks the chain.
        let mut renumbered = chain(5);
        renumbered.remove(1);
        for record in renumbered.iter_mut().skip(1) {
            record.seq -= 1;
        }
        assert_eq!(verify(&renumbered).map_err(|b| b.seq), Err(2));
    }
}
