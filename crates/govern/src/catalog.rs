//! The internal catalog's rules: which decision may follow which, that an approval is made
//! against a written policy and refused when the model fails it (unless overridden, with a
//! reason), and drift: approved models whose repository or card changed since, audited again.
//!
//! Every decision is appended to the store's log ([`Store::record_decision`]) with who, why, the
//! policy and the findings; nothing is edited in place.

use std::ops::ControlFlow;

use hubscope_store::{Action, Decision, Store, StoreError};

use crate::{Audit, Bases, Policy, Subject, subjects_of};

/// Why a decision, an audit or a drift check could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("model {0}: not in the store; crawl it first: hubscope crawl models --id {0}")]
    NotStored(String),
    #[error("{model} is already {} (decision {id})", .action.as_str())]
    AlreadyListed {
        model: String,
        action: Action,
        id: i64,
    },
    #[error("{} needs --reason \"…\"", verb(*.0))]
    NeedsReason(Action),
    #[error("only an approved model can be deprecated; {0} is not approved")]
    NotApproved(String),
    #[error("--override only applies to approve")]
    OverrideNotApproval,
    #[error("--override needs --reason \"…\": an override is recorded with why")]
    OverrideNeedsReason,
    #[error("approve needs --policy FILE: a model is approved against a written policy")]
    NeedsPolicy,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot record the findings: {0}")]
    Findings(#[from] serde_json::Error),
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Proposed => "add",
        Action::Approved => "approve",
        Action::Rejected => "reject",
        Action::Deprecated => "deprecate",
    }
}

/// Audits of stored models at `now`; every one of `ids` must be stored (otherwise
/// [`CatalogError::NotStored`] names the first missing one). Inherited licences are resolved
/// through the stored lineage.
pub fn audit_stored(
    store: &Store,
    policy: &Policy,
    ids: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Audit>, CatalogError> {
    let subjects = stored_subjects(store, ids, now)?;
    Ok(subjects.iter().map(|s| crate::audit(policy, s)).collect())
}

/// Audits every stored model at `now` whose id contains `query` (ignoring case; every model
/// when there is none), inherited licences resolved through the stored lineage. Each audit goes
/// to `visit` as it is made, so memory stays bounded over millions of models; an error from
/// `visit` stops the walk and is returned.
pub fn audit_each<E: From<StoreError>>(
    store: &Store,
    policy: &Policy,
    query: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
    mut visit: impl FnMut(Audit) -> Result<(), E>,
) -> Result<(), E> {
    let bases = Bases::load(store)?;
    let query = query.map(str::to_lowercase);
    let mut error = None;
    crate::for_each_subject(store, None, now, |mut subject| {
        if query
            .as_ref()
            .is_some_and(|q| !subject.id.to_lowercase().contains(q))
        {
            return ControlFlow::Continue(());
        }
        subject.bases = bases.of(&subject.id);
        match visit(crate::audit(policy, &subject)) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                error = Some(e);
                ControlFlow::Break(())
            }
        }
    })?;
    error.map_or(Ok(()), Err)
}

/// The facts of stored models at `now`, their bases resolved; every one of `ids` must be
/// stored (otherwise [`CatalogError::NotStored`] names the first missing one).
pub fn stored_subjects(
    store: &Store,
    ids: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Subject>, CatalogError> {
    let mut subjects = subjects_of(store, Some(ids), now)?;
    if let Some(id) = ids.iter().find(|id| !subjects.iter().any(|s| &s.id == *id)) {
        return Err(CatalogError::NotStored(id.clone()));
    }
    Bases::load(store)?.resolve(&mut subjects);
    Ok(subjects)
}

/// A decision asked for: the model, what is decided, by whom and why.
#[derive(Debug, Clone)]
pub struct Change {
    pub model: String,
    pub action: Action,
    pub by: String,
    pub reason: Option<String>,
    /// Approve although the audit fails (needs a reason; recorded as an override).
    pub force: bool,
}

/// What became of a [`Change`].
#[derive(Debug)]
pub enum Outcome {
    /// Recorded in the log, with the audit it was made against (when a policy was given).
    Recorded {
        decision: Box<Decision>,
        audit: Option<Audit>,
    },
    /// Not recorded: an approval of a model that fails the policy, without an override.
    Refused(Audit),
}

/// Checks `change` against the model's current entry and, when a policy is given, audits the
/// model at `now`; records the decision unless it is an approval the audit refuses.
pub fn decide(
    store: &mut Store,
    change: &Change,
    policy: Option<&Policy>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Outcome, CatalogError> {
    let Some((revision, card_sha1)) = store.model_revision(&change.model)? else {
        return Err(CatalogError::NotStored(change.model.clone()));
    };
    let current = store.current_decision(&change.model)?;
    let reason = change
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let action = change.action;
    match action {
        Action::Proposed => {
            if let Some(d) = &current
                && matches!(d.action, Action::Proposed | Action::Approved)
            {
                return Err(CatalogError::AlreadyListed {
                    model: change.model.clone(),
                    action: d.action,
                    id: d.id,
                });
            }
        }
        Action::Rejected | Action::Deprecated if reason.is_none() => {
            return Err(CatalogError::NeedsReason(action));
        }
        Action::Deprecated if current.as_ref().map(|d| d.action) != Some(Action::Approved) => {
            return Err(CatalogError::NotApproved(change.model.clone()));
        }
        _ => {}
    }
    if change.force && action != Action::Approved {
        return Err(CatalogError::OverrideNotApproval);
    }
    if change.force && reason.is_none() {
        return Err(CatalogError::OverrideNeedsReason);
    }
    if policy.is_none() && action == Action::Approved {
        return Err(CatalogError::NeedsPolicy);
    }
    let audit = match policy {
        Some(p) => audit_stored(store, p, std::slice::from_ref(&change.model), now)?.pop(),
        None => None,
    };
    let passed = audit.as_ref().map(|a| a.passed);
    if action == Action::Approved
        && passed == Some(false)
        && !change.force
        && let Some(audit) = audit
    {
        return Ok(Outcome::Refused(audit));
    }
    let decision = store.record_decision(Decision {
        id: 0,
        model_id: change.model.clone(),
        revision,
        card_sha1,
        action,
        decided_by: change.by.clone(),
        decided_at: String::new(),
        reason: reason.map(str::to_string),
        overridden: change.force && passed == Some(false),
        policy_name: policy.map(|p| p.name.clone()),
        policy_version: policy.map(|p| p.version.clone()),
        policy_hash: policy.map(|p| p.hash.clone()),
        passed,
        findings: audit
            .as_ref()
            .map(|a| serde_json::to_string(&a.findings))
            .transpose()?,
    })?;
    Ok(Outcome::Recorded {
        decision: Box::new(decision),
        audit,
    })
}

/// An approved model that drifted: its approval and what is found now.
#[derive(Debug)]
pub struct Drift {
    pub approved: Decision,
    pub found: Found,
}

/// What is stored now of an approved model.
#[derive(Debug)]
pub enum Found {
    /// The model is no longer in the store.
    Gone,
    /// Its repository or card changed since approval: audited again.
    Changed {
        /// The repository's sha now, when it differs from the approved one.
        sha: Option<Option<String>>,
        card_changed: bool,
        audit: Box<Audit>,
    },
}

/// Every approved model checked against what is stored now (unchanged ones are left out), in
/// the catalog's order, and how many are approved.
pub fn drift(
    store: &Store,
    policy: &Policy,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(usize, Vec<Drift>), CatalogError> {
    let approved: Vec<Decision> = store
        .catalog()?
        .into_iter()
        .filter(|d| d.action == Action::Approved)
        .collect();
    let count = approved.len();
    let mut out = Vec::new();
    for d in approved {
        let Some((sha, card)) = store.model_revision(&d.model_id)? else {
            out.push(Drift {
                approved: d,
                found: Found::Gone,
            });
            continue;
        };
        let sha_changed = sha.is_some() && sha != d.revision;
        let card_changed = card.is_some() && card != d.card_sha1;
        if !sha_changed && !card_changed {
            continue;
        }
        let Some(audit) =
            audit_stored(store, policy, std::slice::from_ref(&d.model_id), now)?.pop()
        else {
            return Err(CatalogError::NotStored(d.model_id.clone()));
        };
        out.push(Drift {
            approved: d,
            found: Found::Changed {
                sha: sha_changed.then_some(sha),
                card_changed,
                audit: Box::new(audit),
            },
        });
    }
    Ok((count, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hubscope_store::{Batch, FrameDeclaration, IngestKind, ModelRecord, SourceInfo};

    fn store_with(ids: &[&str]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("hub.db")).unwrap();
        let info = SourceInfo::new("test", "jsonl").frame(FrameDeclaration::undeclared());
        let mut session = store.begin_ingest(IngestKind::Models, &info).unwrap();
        let records = ids
            .iter()
            .map(|id| ModelRecord {
                id: id.to_string(),
                sha: Some("abc".into()),
                tags: Some(vec!["license:mit".into()]),
                ..ModelRecord::default()
            })
            .collect::<Vec<_>>();
        session
            .write_models(Batch {
                read: records.len() as u64,
                records,
                ..Batch::default()
            })
            .unwrap();
        session.finish().unwrap();
        (dir, store)
    }

    fn strict() -> Policy {
        Policy::parse(
            "name = \"strict\"\nversion = \"1\"\n[license]\nallow = [\"apache-2.0\"]\nseverity = \"error\"\n",
        )
        .unwrap()
    }

    fn change(model: &str, action: Action) -> Change {
        Change {
            model: model.into(),
            action,
            by: "ana".into(),
            reason: None,
            force: false,
        }
    }

    #[test]
    fn an_approval_that_fails_the_policy_is_refused_then_recorded_as_an_override() {
        let (_dir, mut store) = store_with(&["org/m"]);
        let now = chrono::Utc::now();
        let policy = strict();
        let approve = change("org/m", Action::Approved);
        assert!(matches!(
            decide(&mut store, &approve, None, now),
            Err(CatalogError::NeedsPolicy)
        ));
        match decide(&mut store, &approve, Some(&policy), now).unwrap() {
            Outcome::Refused(audit) => assert!(!audit.passed),
            other => panic!("{other:?}"),
        }
        assert!(store.current_decision("org/m").unwrap().is_none());
        let forced = Change {
            force: true,
            ..approve.clone()
        };
        assert!(matches!(
            decide(&mut store, &forced, Some(&policy), now),
            Err(CatalogError::OverrideNeedsReason)
        ));
        let forced = Change {
            reason: Some("legal cleared it".into()),
            ..forced
        };
        let Outcome::Recorded { decision, .. } =
            decide(&mut store, &forced, Some(&policy), now).unwrap()
        else {
            panic!("not recorded")
        };
        assert!(decision.overridden);
        assert_eq!(decision.passed, Some(false));
        assert_eq!(decision.policy_name.as_deref(), Some("strict"));
        // Approved: it cannot be proposed again, and it can be deprecated only with a reason.
        assert!(matches!(
            decide(&mut store, &change("org/m", Action::Proposed), None, now),
            Err(CatalogError::AlreadyListed { .. })
        ));
        assert!(matches!(
            decide(&mut store, &change("org/m", Action::Deprecated), None, now),
            Err(CatalogError::NeedsReason(Action::Deprecated))
        ));
    }

    #[test]
    fn only_stored_and_approved_models_are_decided_on() {
        let (_dir, mut store) = store_with(&["org/m"]);
        let now = chrono::Utc::now();
        let err = decide(&mut store, &change("org/none", Action::Proposed), None, now).unwrap_err();
        assert!(
            err.to_string().contains("crawl models --id org/none"),
            "{err}"
        );
        let deprecate = Change {
            reason: Some("old".into()),
            ..change("org/m", Action::Deprecated)
        };
        assert!(matches!(
            decide(&mut store, &deprecate, None, now),
            Err(CatalogError::NotApproved(_))
        ));
    }

    #[test]
    fn an_unchanged_approved_model_has_no_drift() {
        let (_dir, mut store) = store_with(&["org/m"]);
        let now = chrono::Utc::now();
        let policy = Policy::parse("name = \"open\"\nversion = \"1\"\n").unwrap();
        let approve = change("org/m", Action::Approved);
        assert!(matches!(
            decide(&mut store, &approve, Some(&policy), now).unwrap(),
            Outcome::Recorded { .. }
        ));
        let (approved, drifted) = drift(&store, &policy, now).unwrap();
        assert_eq!(approved, 1);
        assert!(drifted.is_empty(), "{drifted:?}");
    }

    #[test]
    fn audit_each_visits_the_models_a_query_names_and_stops_at_the_first_error() {
        let (_dir, store) = store_with(&["org/Bert-small", "org/bert-large", "other/gpt"]);
        let now = chrono::Utc::now();
        let mut seen = Vec::new();
        audit_each::<CatalogError>(&store, &strict(), Some("BERT"), now, |a| {
            assert!(!a.passed, "mit is not allowed: {a:?}");
            seen.push(a.model_id);
            Ok(())
        })
        .unwrap();
        seen.sort();
        assert_eq!(seen, ["org/Bert-small", "org/bert-large"]);
        let mut all = 0;
        audit_each::<CatalogError>(&store, &strict(), None, now, |_| {
            all += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(all, 3);
        let mut visits = 0;
        let stopped = audit_each(&store, &strict(), None, now, |_| {
            visits += 1;
            Err(CatalogError::NeedsPolicy)
        });
        assert!(matches!(stopped, Err(CatalogError::NeedsPolicy)));
        assert_eq!(visits, 1);
    }
}
