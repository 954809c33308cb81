//! `doctor`: check a store and, when asked, make exactly the repairs the check listed, then
//! check again. The checks and repairs are the store's (they read and write store files);
//! this use case only sequences them. Must not print or pick an output form.

use crate::store::{Finding, Result, Store};

/// What doctor found, and with `fix`, what it repaired and what a second check still finds.
pub struct Checkup {
    pub findings: Vec<Finding>,
    /// One line per repair made (empty without `fix`).
    pub repaired: Vec<String>,
    /// What a check after the repairs finds: the findings no repair is safe for.
    pub remaining: Vec<Finding>,
}

pub fn doctor(store: &Store, fix: bool) -> Result<Checkup> {
    let findings = store.examine()?;
    if !fix || findings.is_empty() {
        return Ok(Checkup {
            remaining: findings.clone(),
            findings,
            repaired: Vec::new(),
        });
    }
    let repaired = store.repair(&findings)?;
    let remaining = store.examine()?;
    Ok(Checkup {
        findings,
        repaired,
        remaining,
    })
}
