//! Model mentions: which model families a text talks about, by one multi-pattern automaton with
//! whole-word and model-context rules (see [`matcher`]).
#![forbid(unsafe_code)]

pub mod matcher;

pub use matcher::{Family, Matcher};
