//! Coding sheets: the CSV a coder fills in (`source, id, …, category, subcategory, benefit,
//! note`), read back and checked against the codebooks. A row whose codes are not in the
//! codebook is rejected with the reason; a row not coded yet is counted, not rejected; a sheet
//! without the columns it needs is refused as a whole.

use crate::codebook::{Codebook, NO_CHALLENGE};

/// One coded item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedRow {
    /// The line of the sheet (for messages).
    pub line: u64,
    /// `forum` or `discussions`.
    pub source: String,
    pub id: i64,
    pub category: u16,
    pub subcategory: Option<String>,
    pub benefit: Option<u16>,
    pub note: Option<String>,
}

/// A row left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub line: u64,
    pub id: String,
    pub reason: String,
}

/// A sheet read back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheet {
    pub rows: Vec<CodedRow>,
    pub rejected: Vec<RejectedRow>,
    /// Rows with an empty category: not coded yet.
    pub uncoded: u64,
}

/// A sheet that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SheetError(pub String);

/// The sources a sheet may name.
pub const SOURCES: &[&str] = &["forum", "discussions"];

/// A code written as a number, a name, or both (`12`, `Lack of Support`, `12 - Lack of Support`).
fn category_of<'c>(codebook: &'c Codebook, text: &str) -> Option<Option<&'c crate::Category>> {
    let text = text.trim();
    if text == "0" || text.eq_ignore_ascii_case(NO_CHALLENGE.1) {
        return Some(None);
    }
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let by_number = (!digits.is_empty())
        .then(|| codebook.category(&digits))
        .flatten();
    if let Some(c) = by_number {
        let rest = text[digits.len()..]
            .trim_start_matches([' ', '-', '.', ':', '–'])
            .trim();
        return (rest.is_empty() || rest.eq_ignore_ascii_case(&c.name)).then_some(Some(c));
    }
    if digits == "0" {
        return Some(None);
    }
    codebook.category(text).map(Some)
}

/// Reads a sheet. `default_source` applies when the sheet has no `source` column.
pub fn parse_sheet(
    text: &str,
    challenges: &Codebook,
    benefits: &Codebook,
    default_source: Option<&str>,
) -> Result<Sheet, SheetError> {
    let mut reader = hubscope_source::spreadsheet::spreadsheet_csv(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| SheetError(format!("cannot read the header: {e}")))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let need = |name: &str| {
        column(name).ok_or_else(|| {
            SheetError(format!(
                "no '{name}' column (found: {}); a coding sheet needs id and category, and source unless --source is given",
                headers.iter().collect::<Vec<_>>().join(", ")
            ))
        })
    };
    let id_col = need("id")?;
    let cat_col = need("category")?;
    let source_col = column("source");
    if source_col.is_none() && default_source.is_none() {
        need("source")?;
    }
    let (sub_col, benefit_col, note_col) =
        (column("subcategory"), column("benefit"), column("note"));
    let mut sheet = Sheet::default();
    let mut seen: std::collections::HashMap<(String, i64), u64> = std::collections::HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| SheetError(e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let id_text = cell(Some(id_col));
        let mut reject = |reason: String| {
            sheet.rejected.push(RejectedRow {
                line,
                id: id_text.clone(),
                reason,
            });
        };
        let category_text = cell(Some(cat_col));
        if category_text.is_empty() {
            sheet.uncoded += 1;
            continue;
        }
        let Ok(id) = id_text.parse::<i64>() else {
            reject(format!("id '{id_text}' is not a number"));
            continue;
        };
        let source = match source_col {
            Some(_) => cell(source_col).to_lowercase(),
            None => default_source.unwrap_or_default().to_string(),
        };
        if !SOURCES.contains(&source.as_str()) {
            reject(format!(
                "source '{source}' is neither forum nor discussions"
            ));
            continue;
        }
        let Some(category) = category_of(challenges, &category_text) else {
            reject(format!(
                "category '{category_text}' is not in the codebook (0–{} or a category name)",
                challenges
                    .categories
                    .iter()
                    .map(|c| c.id)
                    .max()
                    .unwrap_or(0)
            ));
            continue;
        };
        let subcategory = Some(cell(sub_col)).filter(|s| !s.is_empty());
        let subcategory = match (category, subcategory) {
            (_, None) => None,
            (None, Some(s)) => {
                reject(format!(
                    "subcategory '{s}' given for category 0 (no challenge)"
                ));
                continue;
            }
            (Some(c), Some(s)) => match c.subcategories().find(|x| x.eq_ignore_ascii_case(&s)) {
                Some(name) => Some(name.to_string()),
                None => {
                    let known: Vec<&str> = c.subcategories().collect();
                    reject(if known.is_empty() {
                        format!(
                            "category {} '{}' has no subcategories, got '{s}'",
                            c.id, c.name
                        )
                    } else {
                        format!(
                            "subcategory '{s}' is not one of category {}'s: {}",
                            c.id,
                            known.join("; ")
                        )
                    });
                    continue;
                }
            },
        };
        let benefit_text = cell(benefit_col);
        let benefit = if benefit_text.is_empty() {
            None
        } else {
            match category_of(benefits, &benefit_text) {
                Some(Some(b)) => Some(b.id),
                _ => {
                    reject(format!(
                        "benefit '{benefit_text}' is not in the benefit codebook"
                    ));
                    continue;
                }
            }
        };
        if let Some(first) = seen.get(&(source.clone(), id)) {
            reject(format!(
                "{source} {id} is coded twice in this sheet (also line {first})"
            ));
            continue;
        }
        seen.insert((source.clone(), id), line);
        sheet.rows.push(CodedRow {
            line,
            source,
            id,
            category: category.map_or(NO_CHALLENGE.0, |c| c.id),
            subcategory,
            benefit,
            note: Some(cell(note_col)).filter(|n| !n.is_empty()),
        });
    }
    Ok(sheet)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(text: &str) -> Result<Sheet, SheetError> {
        parse_sheet(text, &Codebook::challenges(), &Codebook::benefits(), None)
    }

    #[test]
    fn codes_by_number_or_name_and_every_rejection_explained() {
        let s = parse(
            "\u{feff}source;id;title;category;subcategory;benefit;note\n\
             forum;1;a;12;;;\n\
             forum;2;b;Lack of Support;;;\n\
             forum;3;c;1 - Model Usage and Understanding;model card;Acknowledgement of help;x\n\
             forum;4;d;0;;;thanks only\n\
             forum;5;e;;;;\n\
             forum;6;f;99;;;\n\
             forum;7;g;1;Tokenization;;\n\
             forum;1;h;3;;;\n\
             web;8;i;3;;;\n\
             forum;x;j;3;;;\n\
             forum;9;k;13;anything;;\n\
             forum;10;l;3;;7;\n",
        )
        .unwrap();
        let ids: Vec<i64> = s.rows.iter().map(|r| r.id).collect();
        assert_eq!(ids, [1, 2, 3, 4]);
        assert_eq!(s.rows[1].category, 12);
        assert_eq!(s.rows[2].subcategory.as_deref(), Some("Model card"));
        assert_eq!(s.rows[2].benefit, Some(3));
        assert_eq!(s.rows[3].category, 0);
        assert_eq!(s.uncoded, 1);
        let reasons: Vec<&str> = s.rejected.iter().map(|r| r.reason.as_str()).collect();
        assert!(
            reasons[0].contains("'99' is not in the codebook"),
            "{reasons:?}"
        );
        assert!(
            reasons[1].contains("not one of category 1's"),
            "{reasons:?}"
        );
        assert!(
            reasons[2].contains("coded twice") && reasons[2].contains("line 2"),
            "{reasons:?}"
        );
        assert!(
            reasons[3].contains("neither forum nor discussions"),
            "{reasons:?}"
        );
        assert!(reasons[4].contains("not a number"), "{reasons:?}");
        assert!(reasons[5].contains("has no subcategories"), "{reasons:?}");
        assert!(reasons[6].contains("benefit '7'"), "{reasons:?}");
        assert_eq!(s.rejected[0].line, 7);
    }

    #[test]
    fn sheets_without_their_columns_are_refused() {
        let e = parse("source,id,title\nforum,1,a\n").unwrap_err();
        assert!(e.0.contains("no 'category' column"), "{e}");
        let e = parse("id,category\n1,3\n").unwrap_err();
        assert!(e.0.contains("no 'source' column"), "{e}");
        let ok = parse_sheet(
            "id\tcategory\n1\t3\n",
            &Codebook::challenges(),
            &Codebook::benefits(),
            Some("discussions"),
        )
        .unwrap();
        assert_eq!(ok.rows[0].source, "discussions");
    }
}
