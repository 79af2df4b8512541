//! The models of the store, loaded once into compact columns for every trend: dates as months,
//! repeated strings (pipeline, library, author) interned, the latest card revision reduced to the
//! numbers the documentation trend needs. The only module of the crate that reads the store.

use std::collections::HashMap;

use hubscope_card::CanonicalSection;
use hubscope_store::time::{self, Month};
use hubscope_store::{Store, StoreError, StoredSource};

/// Strings stored once, referred to by index.
#[derive(Debug, Clone, Default)]
pub struct Names {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Names {
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }

    pub fn get(&self, i: u32) -> &str {
        &self.names[i as usize]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// What the documentation trend needs of a model's latest card revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardFacts {
    pub words: u32,
    pub score: u8,
    /// Canonical sections filled, one bit per [`CanonicalSection`] in template order.
    pub filled: u16,
}

/// One model.
#[derive(Debug, Clone)]
pub struct Model {
    pub id: Box<str>,
    pub created: Option<Month>,
    pub first_commit: Option<Month>,
    /// `config.model_type` as stored.
    pub model_type: Option<Box<str>>,
    pub tags: Vec<Box<str>>,
    pub pipeline: Option<u32>,
    pub library: Option<u32>,
    pub author: Option<u32>,
    /// Has a model card: the store's `has_card` when a source said so, else a stored card
    /// revision, else card metadata (`cardData`) present.
    pub has_card: bool,
    pub card: Option<CardFacts>,
    /// The sources that hold the model: an index into [`Models::source_sets`].
    pub sources: u32,
}

/// Every model, plus the interned strings and the lineage edges.
#[derive(Debug, Clone, Default)]
pub struct Models {
    pub models: Vec<Model>,
    pub pipelines: Names,
    pub libraries: Names,
    pub authors: Names,
    /// child index → parent ids, in preference order (fine-tunes first).
    pub parents: HashMap<usize, Vec<Box<str>>>,
    /// Every source of the store, with its frame.
    pub sources: Vec<StoredSource>,
    /// The distinct sets of sources models belong to (indices into `sources`); set 0 is the
    /// empty set (a model no source of models holds: created by a card or a discussion).
    pub source_sets: Vec<Vec<u16>>,
}

impl Models {
    /// The sources (indices into [`Models::sources`]) that hold model `i`.
    pub fn sources_of(&self, i: usize) -> &[u16] {
        self.source_sets
            .get(self.models[i].sources as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// Loads every model of the store.
    pub fn load(store: &Store) -> Result<Models, StoreError> {
        let conn = store.connection();
        // Sections filled of each model's latest card revision.
        let mut filled: HashMap<i64, u16> = HashMap::new();
        {
            let mut statement = conn.prepare(
                "SELECT s.card_id, s.section FROM card_sections s
                 JOIN (SELECT max(id) AS id FROM cards GROUP BY model_id) latest ON latest.id = s.card_id
                 WHERE s.filled",
            )?;
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                let card: i64 = row.get(0)?;
                let section: String = row.get(1)?;
                if let Some(s) = CanonicalSection::from_name(&section) {
                    *filled.entry(card).or_default() |= 1 << (s as u16);
                }
            }
        }
        let mut out = Models {
            sources: store.sources()?,
            source_sets: vec![Vec::new()],
            ..Models::default()
        };
        let position: HashMap<i64, u16> = out
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id, i.min(usize::from(u16::MAX)) as u16))
            .collect();
        let mut set_index: HashMap<Vec<u16>, u32> = HashMap::from([(Vec::new(), 0)]);
        // A model's first source is in its row; further ones (few) are merged in model order
        // with the models below (both sorted by id).
        let mut memberships = conn.prepare(
            "SELECT model_id, source_id FROM model_other_sources ORDER BY model_id, source_id",
        )?;
        let mut members = memberships.query([])?;
        let mut pending: Option<(String, i64)> = match members.next()? {
            Some(row) => Some((row.get(0)?, row.get(1)?)),
            None => None,
        };
        let mut statement = conn.prepare(
            "SELECT m.id, m.created_at, m.first_commit_at, m.model_type, m.tags, m.pipeline_tag,
                    m.library, m.author, m.has_card, m.card_data IS NOT NULL,
                    c.id, c.words, c.score, c.bytes, m.source_id
             FROM models m
             LEFT JOIN (SELECT model_id, max(id) AS id FROM cards GROUP BY model_id) latest
               ON latest.model_id = m.id
             LEFT JOIN cards c ON c.id = latest.id
             ORDER BY m.id",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let month = |i: usize| -> Result<Option<Month>, StoreError> {
                Ok(row
                    .get::<_, Option<String>>(i)?
                    .and_then(|t| Month::parse(&t))
                    // A date outside the Hub's life (stored before ingest refused them) is
                    // no trend month: the model counts as undated.
                    .filter(|m| time::is_plausible_month(*m)))
            };
            let tags: Option<String> = row.get(4)?;
            let tags: Vec<Box<str>> = tags
                .and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok())
                .unwrap_or_default()
                .into_iter()
                .map(String::into_boxed_str)
                .collect();
            let intern = |names: &mut Names, value: Option<String>| {
                value
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| names.intern(v.trim()))
            };
            let pipeline = intern(&mut out.pipelines, row.get(5)?);
            let library = intern(&mut out.libraries, row.get(6)?);
            let author = intern(&mut out.authors, row.get(7)?);
            let card_id: Option<i64> = row.get(10)?;
            let card = card_id.map(|card_id| -> Result<CardFacts, StoreError> {
                Ok(CardFacts {
                    words: row.get::<_, i64>(11)?.clamp(0, i64::from(u32::MAX)) as u32,
                    score: row.get::<_, i64>(12)?.clamp(0, 100) as u8,
                    filled: filled.get(&card_id).copied().unwrap_or(0),
                })
            });
            let card = card.transpose()?;
            let card_bytes: Option<i64> = row.get(13)?;
            let has_card_column: Option<bool> = row.get(8)?;
            let card_data: bool = row.get(9)?;
            let has_card =
                has_card_column.unwrap_or(card_bytes.is_some_and(|b| b > 0) || card_data);
            let first: Option<i64> = row.get(14)?;
            let mut set: Vec<u16> = first
                .and_then(|f| position.get(&f))
                .copied()
                .into_iter()
                .collect();
            while let Some((model, source)) = &pending {
                match model.as_str().cmp(id.as_str()) {
                    std::cmp::Ordering::Less => {}
                    std::cmp::Ordering::Equal => set.extend(position.get(source).copied()),
                    std::cmp::Ordering::Greater => break,
                }
                pending = match members.next()? {
                    Some(row) => Some((row.get(0)?, row.get(1)?)),
                    None => None,
                };
            }
            set.sort_unstable();
            set.dedup();
            let next = out.source_sets.len() as u32;
            let sources = *set_index.entry(set.clone()).or_insert_with(|| {
                out.source_sets.push(set);
                next
            });
            out.models.push(Model {
                id: id.into_boxed_str(),
                created: month(1)?,
                first_commit: month(2)?,
                model_type: row
                    .get::<_, Option<String>>(3)?
                    .filter(|t| !t.trim().is_empty())
                    .map(String::into_boxed_str),
                tags,
                pipeline,
                library,
                author,
                has_card,
                card,
                sources,
            });
        }
        drop(rows);
        drop(members);
        // Lineage: parents by child, fine-tunes first, then by where the relation was read.
        let index: HashMap<&str, usize> = out
            .models
            .iter()
            .enumerate()
            .map(|(i, m)| (&*m.id, i))
            .collect();
        let mut parents: HashMap<usize, Vec<Box<str>>> = HashMap::new();
        let mut statement = conn.prepare(
            "SELECT child_id, parent_id FROM lineage
             ORDER BY child_id, relation != 'finetune', source = 'card', source, parent_id",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let child: String = row.get(0)?;
            let parent: String = row.get(1)?;
            if let Some(&i) = index.get(child.as_str()) {
                let list = parents.entry(i).or_default();
                if !list.iter().any(|p| **p == *parent) {
                    list.push(parent.into_boxed_str());
                }
            }
        }
        drop(rows);
        out.parents = parents;
        Ok(out)
    }
}

/// Loads the store's models and resolves their families against `table` (plus the store's
/// model types).
pub fn load_with_families(
    store: &Store,
    table: hubscope_mentions::FamilyTable,
) -> Result<(Models, crate::family::Resolution), StoreError> {
    let models = Models::load(store)?;
    let resolver =
        crate::family::FamilyResolver::new(table, hubscope_mentions::stored_model_types(store)?);
    let resolution = resolver.resolve(&models);
    Ok((models, resolution))
}
