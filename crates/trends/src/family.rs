//! Each model's family, resolved in the study's order: `config.model_type` → a tag that is a
//! known model type → the family of its base model (lineage, followed transitively, cycles
//! guarded) → a family name in its id (`nlpaueb/bert-base-greek-uncased`) → `unknown`. How each
//! was resolved is kept, for the coverage report. Pure: works on loaded [`ModelNames`].

use std::collections::HashMap;

use hubscope_mentions::{FamilyTable, Matcher, looks_like_model_type};
use hubscope_store::lineage::FirstAncestor;
use serde::Serialize;

use crate::models::ModelNames;

/// How a model's family was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    ModelType,
    Tag,
    BaseModel,
    Name,
    Unknown,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::ModelType,
        Method::Tag,
        Method::BaseModel,
        Method::Name,
        Method::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::ModelType => "model_type",
            Method::Tag => "tag",
            Method::BaseModel => "base_model",
            Method::Name => "name",
            Method::Unknown => "unknown",
        }
    }
}

/// The family name of models that none of the methods resolves.
pub const UNKNOWN: &str = "unknown";

/// Resolves families against a family table.
#[derive(Debug, Clone)]
pub struct FamilyResolver {
    names: Vec<String>,
    /// Lower-case name or alias → family index.
    lookup: HashMap<String, usize>,
    matcher: Matcher,
}

/// Every model's family and how it was found.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// Each model's id, in the order of [`Models`](crate::Models).
    pub ids: Vec<Box<str>>,
    /// Family names; `family[i]` indexes into it, `None` is unknown.
    pub names: Vec<String>,
    pub family: Vec<Option<u32>>,
    pub method: Vec<Method>,
}

/// The share of models resolved, by method.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub models: u64,
    pub resolved: u64,
    pub share_resolved: f64,
    pub by_method: Vec<MethodCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodCount {
    pub method: Method,
    pub models: u64,
    pub share: f64,
}

impl FamilyResolver {
    /// A resolver over `table` plus every stored model type that looks like one (a model type
    /// is a family even when no alias table lists it).
    pub fn new(
        mut table: FamilyTable,
        stored_types: impl IntoIterator<Item = (String, u64)>,
    ) -> Self {
        table.add_model_types(stored_types, 1);
        let mut lookup = HashMap::new();
        for (i, f) in table.families.iter().enumerate() {
            for name in std::iter::once(&f.name).chain(&f.aliases) {
                lookup.entry(name.to_ascii_lowercase()).or_insert(i);
            }
        }
        let names = table.families.iter().map(|f| f.name.clone()).collect();
        // The table's names are checked on load; a clash here would be a bug.
        let matcher = Matcher::new(table.families)
            .unwrap_or_else(|e| panic!("family table does not compile: {e}"));
        FamilyResolver {
            names,
            lookup,
            matcher,
        }
    }

    fn of_type(&self, model_type: &str) -> Option<usize> {
        let t = model_type.trim().to_ascii_lowercase();
        if !looks_like_model_type(&t) {
            return None;
        }
        self.lookup.get(&t).copied()
    }

    fn of_tags(&self, tags: &[Box<str>]) -> Option<usize> {
        tags.iter()
            .find_map(|t| self.lookup.get(&t.to_ascii_lowercase()).copied())
    }

    /// The first family named in the name part of a model id.
    pub fn of_name(&self, id: &str) -> Option<usize> {
        let name_start = id.find('/').map_or(0, |i| i + 1);
        let mut found = None;
        self.matcher.for_each_hit(id, |hit| {
            if found.is_none() && hit.counted() && hit.start >= name_start {
                found = Some(hit.family);
            }
        });
        found
    }

    /// Resolves every model.
    pub fn resolve(&self, models: ModelNames) -> Resolution {
        let n = models.len();
        let mut family: Vec<Option<u32>> = vec![None; n];
        let mut method = vec![Method::Unknown; n];
        // Direct: model type, then tags.
        for i in 0..n {
            if let Some(f) = models.model_types[i]
                .as_deref()
                .and_then(|t| self.of_type(t))
            {
                family[i] = Some(f as u32);
                method[i] = Method::ModelType;
            } else if let Some(f) = self.of_tags(&models.tags[i]) {
                family[i] = Some(f as u32);
                method[i] = Method::Tag;
            }
        }
        // Base models: only the parents' ids need an index.
        if !models.parents.is_empty() {
            let wanted: std::collections::HashSet<&str> =
                models.parents.values().flatten().map(|p| &**p).collect();
            let index: HashMap<&str, usize> = models
                .ids
                .iter()
                .enumerate()
                .filter(|(_, id)| wanted.contains(&***id))
                .map(|(i, id)| (&**id, i))
                .collect();
            let direct: Vec<Option<u32>> = family.clone();
            // A stored parent answers with its own family (direct, or through its bases), an
            // unstored one with the family its id names.
            let parents = |node: Node<'_>| -> Vec<Node<'_>> {
                match node {
                    Node::Stored(i) => models
                        .parents
                        .get(&i)
                        .into_iter()
                        .flatten()
                        .map(|p| index.get(&**p).map_or(Node::Named(p), |&i| Node::Stored(i)))
                        .collect(),
                    Node::Named(_) => Vec::new(),
                }
            };
            let mut before = |node: Node<'_>| match node {
                Node::Stored(p) => direct[p],
                Node::Named(_) => None,
            };
            let mut after = |node: Node<'_>| {
                let id = match node {
                    Node::Stored(p) => &*models.ids[p],
                    Node::Named(name) => name,
                };
                self.of_name(id).map(|f| f as u32)
            };
            let mut walk = FirstAncestor::default();
            for i in 0..n {
                if direct[i].is_some() || !models.parents.contains_key(&i) {
                    continue;
                }
                if let Some(f) = walk.answer(Node::Stored(i), &parents, &mut before, &mut after) {
                    family[i] = Some(f);
                    method[i] = Method::BaseModel;
                }
            }
        }
        // Names.
        for (i, id) in models.ids.iter().enumerate() {
            if family[i].is_none()
                && let Some(f) = self.of_name(id)
            {
                family[i] = Some(f as u32);
                method[i] = Method::Name;
            }
        }
        Resolution {
            ids: models.ids,
            names: self.names.clone(),
            family,
            method,
        }
    }
}

/// A model in the lineage walk: stored (by index) or only named as someone's base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Node<'a> {
    Stored(usize),
    Named(&'a str),
}

impl Resolution {
    /// The family name of model `i` (`unknown` when unresolved).
    pub fn name(&self, i: usize) -> &str {
        self.family[i].map_or(UNKNOWN, |f| self.names[f as usize].as_str())
    }

    /// How every model's family was resolved.
    pub fn coverage(&self) -> Coverage {
        self.coverage_of(|_| true)
    }

    /// How the families of the models `include` keeps were resolved.
    pub fn coverage_of(&self, include: impl Fn(usize) -> bool) -> Coverage {
        let kept: Vec<Method> = (0..self.method.len())
            .filter(|&i| include(i))
            .map(|i| self.method[i])
            .collect();
        let models = kept.len() as u64;
        let share = |n: u64| {
            if models == 0 {
                0.0
            } else {
                n as f64 / models as f64
            }
        };
        let by_method: Vec<MethodCount> = Method::ALL
            .iter()
            .map(|&m| {
                let n = kept.iter().filter(|x| **x == m).count() as u64;
                MethodCount {
                    method: m,
                    models: n,
                    share: share(n),
                }
            })
            .collect();
        let resolved = models - by_method[4].models;
        Coverage {
            models,
            resolved,
            share_resolved: share(resolved),
            by_method,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::models::ModelNames;

    #[test]
    fn each_method_in_order_and_cycles_guarded() {
        let mut models = ModelNames::default();
        for (id, model_type, tags) in [
            ("meta-llama/Llama-2-7b-hf", Some("llama"), &[][..]),
            ("someone/my-finetune", None, &["transformers"][..]),
            (
                "someone/tagged",
                Some("GPTConfig"),
                &["text-generation", "mistral"][..],
            ),
            ("nlpaueb/bert-base-greek-uncased", None, &[][..]),
            ("a/loop-one", None, &[][..]),
            ("a/loop-two", None, &[][..]),
            ("x/of-unstored-parent", None, &[][..]),
            ("x/custom-arch", Some("nerfllm"), &[][..]),
            ("x/nothing", None, &[][..]),
        ] {
            models.push(id, model_type, tags);
        }
        models
            .parents
            .insert(1, vec!["meta-llama/Llama-2-7b-hf".into()]);
        models.parents.insert(4, vec!["a/loop-two".into()]);
        models.parents.insert(5, vec!["a/loop-one".into()]);
        models
            .parents
            .insert(6, vec!["google/flan-t5-large".into()]);
        let resolver = FamilyResolver::new(
            FamilyTable::builtin(),
            [("llama".to_string(), 1), ("nerfllm".to_string(), 1)],
        );
        let n = models.len();
        let r = resolver.resolve(models);
        let got: Vec<(&str, Method)> = (0..n).map(|i| (r.name(i), r.method[i])).collect();
        assert_eq!(
            got,
            [
                ("llama", Method::ModelType),
                ("llama", Method::BaseModel),
                ("mistral", Method::Tag),
                ("bert", Method::Name),
                (UNKNOWN, Method::Unknown),
                (UNKNOWN, Method::Unknown),
                ("t5", Method::BaseModel),
                ("nerfllm", Method::ModelType),
                (UNKNOWN, Method::Unknown),
            ]
        );
        let c = r.coverage();
        assert_eq!((c.models, c.resolved), (9, 6));
    }
}
