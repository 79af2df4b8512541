//! Family tables: which model families to look for and the names they go by, as an editable
//! CSV (`family,aliases,context`, `#` comments). hubscope ships one ([`FamilyTable::builtin`]);
//! the model types the store knows are added to it ([`FamilyTable::add_model_types`]).

use std::collections::HashMap;

use crate::matcher::{Context, Family};

/// The built-in table, one row per `config.model_type` worth looking for.
pub const BUILTIN_TABLE: &str = include_str!("families.csv");

/// A table that cannot be used, with the line to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct TableError {
    pub line: u64,
    pub message: String,
}

/// Where a family of a merged table comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Listed in the family table.
    Table,
    /// A model type of the store the table does not list.
    Store,
}

/// Families in table order, with where each came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyTable {
    pub families: Vec<Family>,
    pub origins: Vec<Origin>,
}

/// A stored model type that was not added as a family, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedType {
    pub model_type: String,
    pub models: u64,
    pub reason: &'static str,
}

impl FamilyTable {
    /// The table built into hubscope.
    pub fn builtin() -> FamilyTable {
        // The built-in table is checked by a test; a broken one is a bug in hubscope.
        FamilyTable::parse(BUILTIN_TABLE).unwrap_or_else(|e| panic!("built-in family table: {e}"))
    }

    /// Reads a table: a header `family,aliases,context`, one family per row, aliases separated
    /// by `;`, lines starting with `#` ignored. Refuses duplicate families and a name used by two
    /// families, naming both lines.
    pub fn parse(text: &str) -> Result<FamilyTable, TableError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(text.as_bytes());
        let header_error = |message: String| TableError { line: 1, message };
        let headers = reader
            .headers()
            .map_err(|e| header_error(format!("cannot read the header: {e}")))?
            .clone();
        let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
        let family_col = column("family").ok_or_else(|| {
            header_error(format!(
                "no 'family' column (the header must be family,aliases,context; found {})",
                headers.iter().collect::<Vec<_>>().join(",")
            ))
        })?;
        let aliases_col = column("aliases");
        let context_col = column("context");

        let mut table = FamilyTable {
            families: Vec::new(),
            origins: Vec::new(),
        };
        // Every name and alias (lower case) → (family index, line), to refuse clashes.
        let mut owners: HashMap<String, (usize, u64)> = HashMap::new();
        for row in reader.records() {
            let row = row.map_err(|e| TableError {
                line: e.position().map_or(0, |p| p.line()),
                message: e.to_string(),
            })?;
            let line = row.position().map_or(0, |p| p.line());
            let error = |message: String| TableError { line, message };
            let name = row.get(family_col).unwrap_or("").trim();
            if name.is_empty() {
                return Err(error("the family name is empty".into()));
            }
            if !name.bytes().any(|b| b.is_ascii_alphanumeric()) {
                return Err(error(format!(
                    "family '{name}' has no letter or digit to match"
                )));
            }
            let context_text = context_col.and_then(|c| row.get(c)).unwrap_or("");
            let context = Context::parse(context_text).ok_or_else(|| {
                error(format!(
                    "family '{name}': unknown context '{context_text}' (use word, model, caps or never)"
                ))
            })?;
            let mut aliases: Vec<String> = Vec::new();
            for alias in aliases_col
                .and_then(|c| row.get(c))
                .unwrap_or("")
                .split(';')
                .map(str::trim)
                .filter(|a| !a.is_empty())
            {
                if !alias.eq_ignore_ascii_case(name)
                    && !aliases.iter().any(|a| a.eq_ignore_ascii_case(alias))
                {
                    aliases.push(alias.to_string());
                }
            }
            let index = table.families.len();
            for spelling in std::iter::once(name).chain(aliases.iter().map(String::as_str)) {
                let key = spelling.to_ascii_lowercase();
                if let Some(&(other, other_line)) = owners.get(&key) {
                    let other_name = &table.families[other].name;
                    return Err(error(if spelling.eq_ignore_ascii_case(other_name) {
                        format!(
                            "'{spelling}' is already the family of line {other_line}; merge the rows"
                        )
                    } else {
                        format!(
                            "'{spelling}' of family '{name}' is already a name of family '{other_name}' (line {other_line})"
                        )
                    }));
                }
                owners.insert(key, (index, line));
            }
            table.families.push(Family {
                name: name.to_string(),
                aliases,
                context,
            });
            table.origins.push(Origin::Table);
        }
        Ok(table)
    }

    /// The table as CSV, in the shape [`FamilyTable::parse`] reads.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("family,aliases,context\n");
        for f in &self.families {
            let aliases = f.aliases.join(";");
            let context = if f.context == Context::Word {
                ""
            } else {
                f.context.as_str()
            };
            out.push_str(&csv_field(&f.name));
            out.push(',');
            out.push_str(&csv_field(&aliases));
            out.push(',');
            out.push_str(context);
            out.push('\n');
        }
        out
    }

    /// Adds the store's model types (with their number of models) that no family of the table
    /// already names, when at least `min_models` models have them. A type added this way
    /// matches as written and with `_` and `-` swapped; a short all-letter type (four letters
    /// or fewer, likely an ordinary word) needs a model context. Returns the types left out.
    pub fn add_model_types(
        &mut self,
        types: impl IntoIterator<Item = (String, u64)>,
        min_models: u64,
    ) -> Vec<SkippedType> {
        let mut known: HashMap<String, ()> = HashMap::new();
        for f in &self.families {
            for name in std::iter::once(&f.name).chain(&f.aliases) {
                known.insert(name.to_ascii_lowercase(), ());
            }
        }
        let mut skipped = Vec::new();
        for (model_type, models) in types {
            let key = model_type.trim().to_ascii_lowercase();
            if known.contains_key(&key) {
                continue;
            }
            let reason = if !looks_like_model_type(model_type.trim()) {
                Some("not a model type name (lower-case letters, digits, '_', '-', '.')")
            } else if models < min_models {
                Some("too few models")
            } else {
                None
            };
            if let Some(reason) = reason {
                skipped.push(SkippedType {
                    model_type,
                    models,
                    reason,
                });
                continue;
            }
            let mut aliases = Vec::new();
            for variant in [key.replace('_', "-"), key.replace('-', "_")] {
                if variant != key && !known.contains_key(&variant) && !aliases.contains(&variant) {
                    aliases.push(variant);
                }
            }
            for a in &aliases {
                known.insert(a.clone(), ());
            }
            known.insert(key.clone(), ());
            let short_word = key.len() <= 4 && key.bytes().all(|b| b.is_ascii_lowercase());
            self.families.push(Family {
                name: key,
                aliases,
                context: if short_word {
                    Context::Model
                } else {
                    Context::Word
                },
            });
            self.origins.push(Origin::Store);
        }
        skipped
    }
}

/// What a `config.model_type` looks like: `bert`, `xlm-roberta`, `gpt_neox`, `qwen2.5`.
pub fn looks_like_model_type(name: &str) -> bool {
    (2..=40).contains(&name.len())
        && name.bytes().any(|b| b.is_ascii_lowercase())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-' || b == b'.'
        })
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '#']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_builtin_table_parses_and_round_trips() {
        let table = FamilyTable::builtin();
        assert!(table.families.len() >= 200, "{}", table.families.len());
        let reparsed = FamilyTable::parse(&table.to_csv()).unwrap();
        assert_eq!(reparsed, table);
        let opt = table.families.iter().find(|f| f.name == "opt").unwrap();
        assert_eq!(opt.context, Context::ModelOrCaps);
        let gpt2 = table.families.iter().find(|f| f.name == "gpt2").unwrap();
        assert!(gpt2.aliases.contains(&"gpt-2".to_string()));
    }

    #[test]
    fn bad_tables_name_the_line() {
        let e = FamilyTable::parse("family,aliases,context\nbert,,\nroberta,bert,\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("'bert'"), "{e}");
        let e = FamilyTable::parse("family,aliases,context\nopt,,maybe\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("unknown context 'maybe'"), "{e}");
        let e = FamilyTable::parse("name,aliases\nbert,\n").unwrap_err();
        assert!(e.message.contains("no 'family' column"), "{e}");
        let e = FamilyTable::parse("family\nbert\nBERT\n").unwrap_err();
        assert!(e.message.contains("merge the rows"), "{e}");
        // A BOM, comments and a missing context column are fine.
        let t = FamilyTable::parse("\u{feff}# mine\nfamily,aliases\nbert,sbert;SBERT\n").unwrap();
        assert_eq!(t.families[0].aliases, ["sbert"]);
    }

    #[test]
    fn store_types_are_added_unless_known_odd_or_rare() {
        let mut t = FamilyTable::parse("family,aliases,context\nllama,llama2,\n").unwrap();
        let skipped = t.add_model_types(
            [
                ("llama".to_string(), 300),
                ("llama2".to_string(), 3),
                ("gpt_neox".to_string(), 40),
                ("GPTConfig".to_string(), 9),
                ("deepseek-ai/DeepSeek-R1".to_string(), 9),
                ("nerf".to_string(), 12),
                ("mol_llama".to_string(), 1),
            ],
            5,
        );
        let names: Vec<_> = t.families.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["llama", "gpt_neox", "nerf"]);
        assert_eq!(t.families[1].aliases, ["gpt-neox"]);
        assert_eq!(t.families[2].context, Context::Model);
        assert_eq!(t.origins, [Origin::Table, Origin::Store, Origin::Store]);
        let left: Vec<_> = skipped.iter().map(|s| s.model_type.as_str()).collect();
        assert_eq!(left, ["GPTConfig", "deepseek-ai/DeepSeek-R1", "mol_llama"]);
    }
}
