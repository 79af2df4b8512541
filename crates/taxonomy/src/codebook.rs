//! The study's codebook: challenge categories (1–17, with subcategories) and benefit categories,
//! each with a definition and an example post. The built-in codebook (`crates/taxonomy/codebook`)
//! keeps the study's category numbers and names; its definitions and examples are hubscope's own
//! words. A user's codebook in the same CSV shape replaces it (`--codebook`), the study's own file
//! included. Category 0 is "No challenge" (thanks, praise, announcements, spam).

use serde::Serialize;

/// The study's challenge categories, in hubscope's words, built into the binary.
pub const BUILTIN_CHALLENGES: &str = include_str!("../codebook/challenges.csv");
/// The study's benefit categories, in hubscope's words, built into the binary.
pub const BUILTIN_BENEFITS: &str = include_str!("../codebook/benefits.csv");

/// The id and name of the category for topics that raise no challenge.
pub const NO_CHALLENGE: (u16, &str) = (0, "No challenge");

/// A category of the codebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    /// The codebook's number (1–17 for the study's challenges).
    pub id: u16,
    pub name: String,
    /// Subcategories in codebook order; a category without any has one entry with no name,
    /// holding its definition and example.
    pub entries: Vec<Entry>,
}

/// A subcategory (or a category's own definition when it has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub subcategory: Option<String>,
    pub definition: String,
    /// An example post, quoted; the study's file prefixes its examples with their topic id
    /// (`T639: "…"`).
    pub example: String,
}

impl Category {
    /// The named subcategories.
    pub fn subcategories(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().filter_map(|e| e.subcategory.as_deref())
    }
}

/// A set of categories: the challenges or the benefits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Codebook {
    pub categories: Vec<Category>,
}

/// A codebook that cannot be used, with the line to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CodebookError {
    pub line: u64,
    pub message: String,
}

impl Codebook {
    /// The study's 17 challenge categories.
    pub fn challenges() -> Codebook {
        // The built-in codebook is checked by a test; failing here is a bug in hubscope.
        Codebook::parse(BUILTIN_CHALLENGES).unwrap_or_else(|e| panic!("built-in challenges: {e}"))
    }

    /// The study's 6 benefit categories.
    pub fn benefits() -> Codebook {
        Codebook::parse(BUILTIN_BENEFITS).unwrap_or_else(|e| panic!("built-in benefits: {e}"))
    }

    /// Reads a codebook: columns `#` (the category's number, on its first row only), `Category`,
    /// `Subcategory` (empty for a category without any), `Definition`, `Example`; a semicolon
    /// delimiter and a byte-order mark are accepted; extra columns are ignored.
    pub fn parse(text: &str) -> Result<Codebook, CodebookError> {
        let mut reader = hubscope_source::spreadsheet::spreadsheet_csv(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| CodebookError {
                line: 1,
                message: e.to_string(),
            })?
            .clone();
        let column = |names: &[&str]| {
            headers
                .iter()
                .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
        };
        let missing = |what: &str| CodebookError {
            line: 1,
            message: format!(
                "no '{what}' column (the header must be #,Category,Subcategory,Definition,Example; found {})",
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        };
        let id_col = column(&["#", "id"]).ok_or_else(|| missing("#"))?;
        let cat_col = column(&["category"]).ok_or_else(|| missing("Category"))?;
        let sub_col = column(&["subcategory"]).ok_or_else(|| missing("Subcategory"))?;
        let def_col = column(&["definition"]).ok_or_else(|| missing("Definition"))?;
        let ex_col = column(&["example"]);
        let mut categories: Vec<Category> = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| CodebookError {
                line: e.position().map_or(0, |p| p.line()),
                message: e.to_string(),
            })?;
            let line = record.position().map_or(0, |p| p.line());
            let cell = |c: usize| record.get(c).unwrap_or("").trim().to_string();
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let (id, name) = (cell(id_col), cell(cat_col));
            if !id.is_empty() || !name.is_empty() {
                let id: u16 = id.parse().map_err(|_| CodebookError {
                    line,
                    message: format!("category number '{id}' is not a whole number"),
                })?;
                if id == NO_CHALLENGE.0 {
                    return Err(CodebookError {
                        line,
                        message: "category 0 is reserved for topics without a challenge".into(),
                    });
                }
                if name.is_empty() {
                    return Err(CodebookError {
                        line,
                        message: format!("category {id} has no name"),
                    });
                }
                if let Some(other) = categories
                    .iter()
                    .find(|c| c.id == id || c.name.eq_ignore_ascii_case(&name))
                {
                    return Err(CodebookError {
                        line,
                        message: format!(
                            "category {id} '{name}' repeats category {} '{}'",
                            other.id, other.name
                        ),
                    });
                }
                categories.push(Category {
                    id,
                    name,
                    entries: Vec::new(),
                });
            }
            let Some(category) = categories.last_mut() else {
                return Err(CodebookError {
                    line,
                    message:
                        "a subcategory before any category (the first row needs # and Category)"
                            .into(),
                });
            };
            let subcategory = Some(cell(sub_col)).filter(|s| !s.is_empty());
            if let Some(s) = &subcategory
                && category.subcategories().any(|x| x.eq_ignore_ascii_case(s))
            {
                return Err(CodebookError {
                    line,
                    message: format!(
                        "subcategory '{s}' appears twice in category {}",
                        category.id
                    ),
                });
            }
            category.entries.push(Entry {
                subcategory,
                definition: cell(def_col),
                example: ex_col.map(cell).unwrap_or_default(),
            });
        }
        if categories.is_empty() {
            return Err(CodebookError {
                line: 1,
                message: "the codebook has no category".into(),
            });
        }
        Ok(Codebook { categories })
    }

    /// A category by number or by name (case-insensitive, trimmed).
    pub fn category(&self, id_or_name: &str) -> Option<&Category> {
        let key = id_or_name.trim();
        match key.parse::<u16>() {
            Ok(id) => self.categories.iter().find(|c| c.id == id),
            Err(_) => self
                .categories
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(key)),
        }
    }

    /// The number of named subcategories.
    pub fn subcategory_count(&self) -> usize {
        self.categories
            .iter()
            .map(|c| c.subcategories().count())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_study_codebook() {
        let c = Codebook::challenges();
        assert_eq!(c.categories.len(), 17);
        assert_eq!(
            c.categories.iter().map(|c| c.entries.len()).sum::<usize>(),
            47
        );
        assert_eq!(c.category("12").unwrap().name, "Lack of Support");
        assert_eq!(c.category("spaces").unwrap().id, 13);
        assert!(c.category("0").is_none());
        let first = &c.categories[0];
        assert_eq!(first.name, "Model Usage and Understanding");
        assert_eq!(
            first.subcategories().next(),
            Some("Understanding Model Function")
        );
        assert!(first.entries[0].example.starts_with('"'));
        assert!(first.entries.iter().all(|e| !e.definition.is_empty()));
        let b = Codebook::benefits();
        assert_eq!(b.categories.len(), 6);
        assert_eq!(
            b.categories.iter().map(|c| c.entries.len()).sum::<usize>(),
            22
        );
    }

    #[test]
    fn bad_codebooks_name_the_line() {
        let e = Codebook::parse("#,Category,Subcategory,Definition,Example\n,,Orphan,d,e\n")
            .unwrap_err();
        assert_eq!(e.line, 2);
        let e =
            Codebook::parse("#,Category,Subcategory,Definition\n1,A,x,d\n1,B,y,d\n").unwrap_err();
        assert!(e.message.contains("repeats"), "{e}");
        let e = Codebook::parse("#,Category,Subcategory,Definition\nx,A,,d\n").unwrap_err();
        assert!(e.message.contains("not a whole number"), "{e}");
        let e = Codebook::parse("id;Category;Definition\n1;A;d\n").unwrap_err();
        assert!(e.message.contains("Subcategory"), "{e}");
        let ok = Codebook::parse(
            "\u{feff}#;Category;Subcategory;Definition;Example\n1;A;;d;\n2;B;s;d;e\n;;t;d;e\n",
        )
        .unwrap();
        assert_eq!(
            ok.categories[1].subcategories().collect::<Vec<_>>(),
            ["s", "t"]
        );
    }
}
