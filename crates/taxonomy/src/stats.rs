//! How coded topics spread over the taxonomy: items and shares per category and subcategory, in
//! codebook order (what the study's taxonomy table and sunburst show).

use serde::Serialize;

use crate::codebook::{Codebook, NO_CHALLENGE};

/// One category's counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryCount {
    pub id: u16,
    pub name: String,
    pub items: u64,
    /// Share of all coded items.
    pub share: f64,
    /// Subcategories with items, in codebook order, then any not in the codebook; the items
    /// coded without a subcategory come last as `None`.
    pub subcategories: Vec<SubcategoryCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubcategoryCount {
    pub name: Option<String>,
    pub items: u64,
    /// Share of its category's items.
    pub share_in_category: f64,
}

/// Counts of coded items per category and subcategory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaxonomyStats {
    pub items: u64,
    /// Every category of the codebook (and 0, no challenge), with or without items.
    pub categories: Vec<CategoryCount>,
}

/// Counts `codes` (`(category id, subcategory)`, one per item). Codes of categories not in the
/// codebook are counted under their number with the name `unknown`.
pub fn taxonomy_stats(codebook: &Codebook, codes: &[(u16, Option<String>)]) -> TaxonomyStats {
    let mut categories: Vec<CategoryCount> = std::iter::once((NO_CHALLENGE.0, NO_CHALLENGE.1))
        .chain(codebook.categories.iter().map(|c| (c.id, c.name.as_str())))
        .map(|(id, name)| CategoryCount {
            id,
            name: name.to_string(),
            items: 0,
            share: 0.0,
            subcategories: Vec::new(),
        })
        .collect();
    for (id, sub) in codes {
        let at = match categories.iter().position(|c| c.id == *id) {
            Some(at) => at,
            None => {
                categories.push(CategoryCount {
                    id: *id,
                    name: "unknown".into(),
                    items: 0,
                    share: 0.0,
                    subcategories: Vec::new(),
                });
                categories.len() - 1
            }
        };
        let category = &mut categories[at];
        category.items += 1;
        let name = sub.as_deref().map(str::trim).filter(|s| !s.is_empty());
        match category
            .subcategories
            .iter_mut()
            .find(|s| s.name.as_deref() == name)
        {
            Some(s) => s.items += 1,
            None => category.subcategories.push(SubcategoryCount {
                name: name.map(str::to_string),
                items: 1,
                share_in_category: 0.0,
            }),
        }
    }
    let total = codes.len() as u64;
    for category in &mut categories {
        category.share = ratio(category.items, total);
        let order: Vec<String> = codebook
            .categories
            .iter()
            .find(|c| c.id == category.id)
            .map(|c| c.subcategories().map(str::to_string).collect())
            .unwrap_or_default();
        let rank = |s: &SubcategoryCount| match &s.name {
            Some(n) => order
                .iter()
                .position(|o| o.eq_ignore_ascii_case(n))
                .unwrap_or(order.len()),
            None => usize::MAX,
        };
        category.subcategories.sort_by_key(|s| rank(s));
        let items = category.items;
        for s in &mut category.subcategories {
            s.share_in_category = ratio(s.items, items);
        }
    }
    categories.sort_by_key(|c| c.id);
    TaxonomyStats {
        items: total,
        categories,
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_shares_follow_the_codebook() {
        let codebook = Codebook::challenges();
        let codes = vec![
            (3, Some("Memory".to_string())),
            (3, Some("Speed".to_string())),
            (3, Some("memory ".to_string())),
            (3, None),
            (0, None),
            (99, None),
        ];
        let stats = taxonomy_stats(&codebook, &codes);
        assert_eq!(stats.items, 6);
        assert_eq!(stats.categories.len(), 19, "0–17 and the unknown 99");
        let memory = &stats.categories[3];
        assert_eq!((memory.id, memory.items), (3, 4));
        assert!((memory.share - 4.0 / 6.0).abs() < 1e-12);
        let subs: Vec<(Option<&str>, u64)> = memory
            .subcategories
            .iter()
            .map(|s| (s.name.as_deref(), s.items))
            .collect();
        // Codebook order: GPU & Optimization, Speed, Memory, Large Files; none last.
        assert_eq!(
            subs,
            vec![
                (Some("Speed"), 1),
                (Some("Memory"), 1),
                (Some("memory"), 1),
                (None, 1)
            ]
        );
        assert_eq!(stats.categories[18].name, "unknown");
        assert_eq!(stats.categories[12].items, 0);
    }
}
