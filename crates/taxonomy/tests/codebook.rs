//! The built-in codebook against the study's own file in `../shared/data/taxonomy`: the category
//! numbers, names and subcategories are the study's facts and must match; the definitions and
//! examples are hubscope's own words and must differ from the study's. The study's file must
//! still parse, as `--codebook` reads it.

use hubscope_taxonomy::Codebook;

fn structure(c: &Codebook) -> Vec<(u16, String, Option<String>)> {
    c.categories
        .iter()
        .flat_map(|cat| {
            cat.entries
                .iter()
                .map(|e| (cat.id, cat.name.clone(), e.subcategory.clone()))
        })
        .collect()
}

fn study(file: &str) -> Codebook {
    let relative = format!("taxonomy/{file}");
    let text = hubscope_corpus::read_to_string(&relative);
    Codebook::parse(&text).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

#[test]
fn the_built_in_codebooks_have_the_study_categories_in_their_own_words() {
    for (file, built_in) in [
        ("challenges.csv", Codebook::challenges()),
        ("benefits.csv", Codebook::benefits()),
    ] {
        let theirs = study(file);
        assert_eq!(structure(&built_in), structure(&theirs), "{file}");
        let ours = built_in.categories.iter().flat_map(|c| &c.entries);
        for (mine, other) in ours.zip(theirs.categories.iter().flat_map(|c| &c.entries)) {
            assert!(!mine.definition.is_empty() && !mine.example.is_empty());
            assert_ne!(
                mine.definition, other.definition,
                "{file}: {:?}",
                mine.subcategory
            );
            assert_ne!(
                mine.example, other.example,
                "{file}: {:?}",
                mine.subcategory
            );
        }
    }
}
