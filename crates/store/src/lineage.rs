//! The one walk up a lineage graph (a model's base models, theirs, and so on), for every
//! analysis that follows lineage: trends resolves a model's family through its bases, and
//! governance lists a model's ancestors to check the licences they pass down.
//!
//! Lineage comes from outside (`base_model` in a card, tags), so the walk is guarded: a cycle
//! ends its branch, no chain is followed deeper than [`MAX_LINEAGE_DEPTH`] generations, and
//! each model is walked from once (its answer is kept), so the work is linear in the graph.

use std::collections::HashMap;
use std::hash::Hash;

/// How far up a lineage is followed: deeper chains are not a model's real ancestry.
pub const MAX_LINEAGE_DEPTH: usize = 64;

/// A depth-first search up a lineage graph for the first ancestor that gives an answer, with
/// every node's answer kept across searches.
pub struct FirstAncestor<N, T> {
    answers: HashMap<N, Option<T>>,
    on_path: Vec<N>,
}

impl<N: Copy + Eq + Hash, T: Copy> Default for FirstAncestor<N, T> {
    fn default() -> Self {
        FirstAncestor {
            answers: HashMap::new(),
            on_path: Vec::new(),
        }
    }
}

impl<N: Copy + Eq + Hash, T: Copy> FirstAncestor<N, T> {
    /// The answer for `node`: for each of its parents in order, `before(parent)`, else the
    /// parent's own answer (through its parents, recursively), else `after(parent)`; `None`
    /// when no parent gives one. A node already answered is not walked again; a node on the
    /// current path (a cycle) or past [`MAX_LINEAGE_DEPTH`] answers `None` for that branch.
    pub fn answer<P: IntoIterator<Item = N>>(
        &mut self,
        node: N,
        parents: &impl Fn(N) -> P,
        before: &mut impl FnMut(N) -> Option<T>,
        after: &mut impl FnMut(N) -> Option<T>,
    ) -> Option<T> {
        if let Some(&known) = self.answers.get(&node) {
            return known;
        }
        if self.on_path.contains(&node) || self.on_path.len() >= MAX_LINEAGE_DEPTH {
            return None;
        }
        self.on_path.push(node);
        let mut found = None;
        for parent in parents(node) {
            found = before(parent)
                .or_else(|| self.answer(parent, parents, before, after))
                .or_else(|| after(parent));
            if found.is_some() {
                break;
            }
        }
        self.on_path.pop();
        self.answers.insert(node, found);
        found
    }
}

/// Every ancestor of `node`, each once, in the walk's order: a first parent's whole line
/// before the second parent (depth first), guarded as [`FirstAncestor`] is.
pub fn ancestors<N: Copy + Eq + Hash, P: IntoIterator<Item = N>>(
    node: N,
    parents: impl Fn(N) -> P,
) -> Vec<N> {
    let mut out: Vec<N> = Vec::new();
    let mut walk = FirstAncestor::<N, ()>::default();
    walk.answer(
        node,
        &parents,
        &mut |p| {
            if p != node && !out.contains(&p) {
                out.push(p);
            }
            None
        },
        &mut |_| None,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&'static str, &'static str)]) -> HashMap<&'static str, Vec<&'static str>> {
        let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
        for (child, parent) in edges {
            parents.entry(child).or_default().push(parent);
        }
        parents
    }

    #[test]
    fn ancestors_come_once_each_first_line_first_and_a_cycle_ends() {
        let parents = graph(&[("c", "b"), ("b", "a"), ("c", "x"), ("a", "c"), ("x", "a")]);
        let of = |n: &'static str| parents.get(n).cloned().unwrap_or_default();
        assert_eq!(ancestors("c", of), ["b", "a", "x"]);
        assert!(ancestors("zz", of).is_empty());
    }

    #[test]
    fn a_chain_longer_than_the_bound_stops_there() {
        let names: Vec<String> = (0..200).map(|i| format!("m{i}")).collect();
        let of = |i: usize| (i + 1 < names.len()).then_some(i + 1);
        assert_eq!(ancestors(0usize, of).len(), MAX_LINEAGE_DEPTH);
    }

    #[test]
    fn the_first_answer_is_a_parent_before_its_line_and_its_line_before_its_name() {
        // d's parents: b (whose line holds a's answer), then c (which answers itself).
        let parents = graph(&[("d", "b"), ("d", "c"), ("b", "a")]);
        let of = |n: &'static str| parents.get(n).cloned().unwrap_or_default();
        let mut walk = FirstAncestor::default();
        let found = walk.answer(
            "d",
            &of,
            &mut |p| (p == "a" || p == "c").then_some(p),
            &mut |p| (p == "b").then_some("b's name"),
        );
        assert_eq!(found, Some("a"));
        // Without a's answer, b's name comes before c.
        let mut walk = FirstAncestor::default();
        let found = walk.answer("d", &of, &mut |p| (p == "c").then_some(p), &mut |p| {
            (p == "b").then_some("b's name")
        });
        assert_eq!(found, Some("b's name"));
        // An answer is kept: b was answered (none) during d's walk and is not walked again.
        assert_eq!(
            walk.answer("b", &of, &mut |_| Some("walked"), &mut |_| None),
            None
        );
    }
}
