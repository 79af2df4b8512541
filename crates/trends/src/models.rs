//! The models of the store, loaded once into compact columns for every trend: dates as months,
//! repeated strings (pipeline, library, author) interned, the latest card revision reduced to the
//! numbers the documentation trend needs. The columns are kept as a snapshot in the store
//! (`hubscope_store::snapshot`) and read back in one blob while the store has not changed; what
//! family resolution needs besides (ids, model types, tags, bases) is [`ModelNames`], read from
//! the tables each time. The only module of the crate that reads the store.

use std::collections::HashMap;
use std::path::Path;

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

/// One model: what every trend reads of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    pub created: Option<Month>,
    pub first_commit: Option<Month>,
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

/// Where a [`Models`] came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Origin {
    /// Built by hand (tests, benches).
    #[default]
    Given,
    /// Read from the store's snapshot of this generation.
    Snapshot { generation: i64 },
    /// Derived from the tables at this generation (no current snapshot); `kept` says whether it
    /// was kept as the new snapshot, or why not.
    Tables {
        generation: i64,
        kept: Result<bool, String>,
    },
}

/// Every model (in id order), plus the interned strings and the sources.
#[derive(Debug, Clone, Default)]
pub struct Models {
    pub models: Vec<Model>,
    pub pipelines: Names,
    pub libraries: Names,
    pub authors: Names,
    /// Every source of the store, with its frame.
    pub sources: Vec<StoredSource>,
    /// The distinct sets of sources models belong to (indices into `sources`); set 0 is the
    /// empty set (a model no source of models holds: created by a card or a discussion).
    pub source_sets: Vec<Vec<u16>>,
    pub origin: Origin,
}

impl Origin {
    /// A line to show when the snapshot could not be kept for a reason other than a read-only
    /// file or a busy writer (the analysis itself is whole either way).
    pub fn warning(&self) -> Option<String> {
        match self {
            Origin::Tables { kept: Err(e), .. } => Some(format!(
                "note: the models were read from the tables, but could not be kept as the \
                 store's snapshot for the next run: {e}"
            )),
            _ => None,
        }
    }
}

/// Whether loading may keep what it derived as the store's snapshot, through a second, writable
/// connection (the store handed over is usually read-only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Keep it where the file can be written and no writer is busy.
    IfWritable,
    /// Never write (a server reading a store it must leave untouched).
    Never,
}

/// The name under which the columns are kept; the version changes whenever what they hold, or
/// how a stored row becomes a [`Model`], changes (an older snapshot is then simply not found).
const SNAPSHOT: &str = "trends.models/1";

impl Models {
    /// The sources (indices into [`Models::sources`]) that hold model `i`.
    pub fn sources_of(&self, i: usize) -> &[u16] {
        self.source_sets
            .get(self.models[i].sources as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// Loads every model of the store: from its snapshot when one is current, else from the
    /// tables (and then, under `keep`, kept as the snapshot for the next reader).
    pub fn load(store: &Store, keep: Keep) -> Result<Models, StoreError> {
        let (models, derived) = {
            let _read = store.read_transaction()?;
            Models::read(store, None, keep)?
        };
        Ok(models.kept(store.path(), derived, keep))
    }

    /// Reads the models inside the caller's read transaction; the bytes are the snapshot to keep
    /// when they had to be derived from the tables. A snapshot of another number of models than
    /// `expected` (the table's, when the caller read it) is not used.
    fn read(
        store: &Store,
        expected: Option<usize>,
        keep: Keep,
    ) -> Result<(Models, Option<Vec<u8>>), StoreError> {
        let generation = store.model_generation()?;
        let sources = store.sources()?;
        if let Some(bytes) = store.snapshot(SNAPSHOT, generation)?
            && let Some(mut models) = decode(&bytes, &sources)
            && expected.is_none_or(|n| n == models.models.len())
        {
            models.sources = sources;
            models.origin = Origin::Snapshot { generation };
            return Ok((models, None));
        }
        let mut models = Models::from_tables(store, sources)?;
        // Encoded only when it may be kept.
        let bytes = (keep == Keep::IfWritable).then(|| encode(&models));
        models.origin = Origin::Tables {
            generation,
            kept: Ok(false),
        };
        Ok((models, bytes))
    }

    fn kept(mut self, path: &Path, derived: Option<Vec<u8>>, keep: Keep) -> Models {
        let (Some(bytes), Keep::IfWritable, Origin::Tables { generation, kept }) =
            (derived, keep, &mut self.origin)
        else {
            return self;
        };
        *kept = match Store::open_existing(path) {
            Ok(mut writable) => writable
                .keep_snapshot(SNAPSHOT, *generation, &bytes)
                .map_err(|e| e.to_string()),
            // A file that cannot be written keeps no snapshot; that is no failure.
            Err(StoreError::ReadOnly { .. }) => Ok(false),
            Err(e) => Err(e.to_string()),
        };
        self
    }

    /// Derives every model from the tables.
    fn from_tables(store: &Store, sources: Vec<StoredSource>) -> Result<Models, StoreError> {
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
                if let Some(s) = row
                    .get_ref(1)?
                    .as_str()
                    .ok()
                    .and_then(CanonicalSection::from_name)
                {
                    *filled.entry(card).or_default() |= 1 << (s as u16);
                }
            }
        }
        let mut out = Models {
            source_sets: vec![Vec::new()],
            ..Models::default()
        };
        let position = positions(&sources);
        out.sources = sources;
        // Rows are read in the table's order (one sequential scan) and placed at their rank in
        // id order: `ORDER BY id` looked every row up by rowid through the id index, 3.2 s of
        // random reads for 2,000,000 models against 0.5 s this way.
        let ranks = id_ranks(store)?;
        let blank = Model {
            created: None,
            first_commit: None,
            pipeline: None,
            library: None,
            author: None,
            has_card: false,
            card: None,
            sources: 0,
        };
        out.models = vec![blank; ranks.len()];
        let mut first_sources: Vec<Option<u16>> = vec![None; ranks.len()];
        let mut placed = 0_usize;
        // Models without any card revision skip the join to the latest one.
        let any_cards: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM cards)", [], |r| r.get(0))?;
        let sql = if any_cards {
            "SELECT m.id, m.created_at, m.first_commit_at, m.pipeline_tag, m.library, m.author,
                    m.has_card, m.card_data IS NOT NULL, c.id, c.words, c.score, c.bytes,
                    m.source_id
             FROM models m
             LEFT JOIN (SELECT model_id, max(id) AS id FROM cards GROUP BY model_id) latest
               ON latest.model_id = m.id
             LEFT JOIN cards c ON c.id = latest.id
             ORDER BY m.rowid"
        } else {
            "SELECT m.id, m.created_at, m.first_commit_at, m.pipeline_tag, m.library, m.author,
                    m.has_card, m.card_data IS NOT NULL, NULL, NULL, NULL, NULL, m.source_id
             FROM models m ORDER BY m.rowid"
        };
        let mut statement = conn.prepare(sql)?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            // Within the read transaction both scans see the same rows.
            let Some(&rank) = ranks.get(placed) else {
                break;
            };
            placed += 1;
            let month = |i: usize| -> Result<Option<Month>, StoreError> {
                Ok(row
                    .get_ref(i)?
                    .as_str_or_null()
                    .ok()
                    .flatten()
                    .and_then(Month::parse)
                    // A date outside the Hub's life (stored before ingest refused them) is
                    // no trend month: the model counts as undated.
                    .filter(|m| time::is_plausible_month(*m)))
            };
            let intern = |names: &mut Names, i: usize| -> Result<Option<u32>, StoreError> {
                Ok(row
                    .get_ref(i)?
                    .as_str_or_null()
                    .ok()
                    .flatten()
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(|v| names.intern(v)))
            };
            let pipeline = intern(&mut out.pipelines, 3)?;
            let library = intern(&mut out.libraries, 4)?;
            let author = intern(&mut out.authors, 5)?;
            let card_id: Option<i64> = row.get(8)?;
            let card = card_id.map(|card_id| -> Result<CardFacts, StoreError> {
                Ok(CardFacts {
                    words: row.get::<_, i64>(9)?.clamp(0, i64::from(u32::MAX)) as u32,
                    score: row.get::<_, i64>(10)?.clamp(0, 100) as u8,
                    filled: filled.get(&card_id).copied().unwrap_or(0),
                })
            });
            let card = card.transpose()?;
            let card_bytes: Option<i64> = row.get(11)?;
            let has_card_column: Option<bool> = row.get(6)?;
            let card_data: bool = row.get(7)?;
            let has_card =
                has_card_column.unwrap_or(card_bytes.is_some_and(|b| b > 0) || card_data);
            let first: Option<i64> = row.get(12)?;
            first_sources[rank as usize] = first.and_then(|f| position.get(&f)).copied();
            out.models[rank as usize] = Model {
                created: month(1)?,
                first_commit: month(2)?,
                pipeline,
                library,
                author,
                has_card,
                card,
                sources: 0,
            };
        }
        drop(rows);
        // A model's first source is in its row; further ones (few) are merged in id order.
        let mut memberships = conn.prepare(
            "SELECT model_id, source_id FROM model_other_sources ORDER BY model_id, source_id",
        )?;
        let mut members = memberships.query([])?;
        let mut pending: Option<(String, i64)> = match members.next()? {
            Some(row) => Some((row.get(0)?, row.get(1)?)),
            None => None,
        };
        let mut ids = conn.prepare("SELECT id FROM models ORDER BY id")?;
        let mut ids = if pending.is_some() {
            Some(ids.query([])?)
        } else {
            None
        };
        let mut set_index: HashMap<Vec<u16>, u32> = HashMap::from([(Vec::new(), 0)]);
        for (rank, first) in first_sources.into_iter().enumerate() {
            let mut set: Vec<u16> = first.into_iter().collect();
            if let Some(ids) = &mut ids
                && let Some(row) = ids.next()?
            {
                let id = row.get_ref(0)?.as_str().unwrap_or_default();
                while let Some((model, source)) = &pending {
                    match model.as_str().cmp(id) {
                        std::cmp::Ordering::Less => {}
                        std::cmp::Ordering::Equal => set.extend(position.get(source).copied()),
                        std::cmp::Ordering::Greater => break,
                    }
                    pending = match members.next()? {
                        Some(row) => Some((row.get(0)?, row.get(1)?)),
                        None => None,
                    };
                }
            }
            set.sort_unstable();
            set.dedup();
            out.models[rank].sources = match set_index.get(&set) {
                Some(&i) => i,
                None => {
                    let next = out.source_sets.len() as u32;
                    set_index.insert(set.clone(), next);
                    out.source_sets.push(set);
                    next
                }
            };
        }
        // One read transaction: the rowid scan met every row the id index holds.
        debug_assert_eq!(placed, ranks.len());
        renumber_in_model_order(&mut out);
        Ok(out)
    }
}

/// For every row of `models` in rowid order, its rank in id order. Both scans are cheap: the
/// id index holds the rowids (a covering scan), and sorting two million pairs takes ~50 ms.
fn id_ranks(store: &Store) -> Result<Vec<u32>, StoreError> {
    let mut statement = store
        .connection()
        .prepare("SELECT rowid FROM models ORDER BY id")?;
    let mut pairs: Vec<(i64, u32)> = statement
        .query_map([], |r| r.get::<_, i64>(0))?
        .enumerate()
        .map(|(rank, rowid)| rowid.map(|rowid| (rowid, rank.min(u32::MAX as usize) as u32)))
        .collect::<Result<_, _>>()?;
    pairs.sort_unstable_by_key(|&(rowid, _)| rowid);
    Ok(pairs.into_iter().map(|(_, rank)| rank).collect())
}

/// Numbers the names (pipelines, libraries, authors) in the order their models come (id
/// order), as if they had been met in that order: read in rowid order, they were met in
/// another.
fn renumber_in_model_order(models: &mut Models) {
    fn renumber(
        names: &mut Names,
        values: &mut [Model],
        field: fn(&mut Model) -> &mut Option<u32>,
    ) {
        let mut new_of = vec![u32::MAX; names.len()];
        let mut renamed = Names::default();
        for model in values.iter_mut() {
            if let Some(old) = field(model) {
                let slot = &mut new_of[*old as usize];
                if *slot == u32::MAX {
                    *slot = renamed.intern(names.get(*old));
                }
                *old = *slot;
            }
        }
        *names = renamed;
    }
    renumber(&mut models.pipelines, &mut models.models, |m| {
        &mut m.pipeline
    });
    renumber(&mut models.libraries, &mut models.models, |m| {
        &mut m.library
    });
    renumber(&mut models.authors, &mut models.models, |m| &mut m.author);
}

/// What family resolution reads of each model besides [`Models`], in the same order: the id,
/// `config.model_type`, the tags and the bases.
#[derive(Debug, Clone, Default)]
pub struct ModelNames {
    pub ids: Vec<Box<str>>,
    pub model_types: Vec<Option<Box<str>>>,
    pub tags: Vec<Vec<Box<str>>>,
    /// model index → parent ids, in preference order (fine-tunes first).
    pub parents: HashMap<usize, Vec<Box<str>>>,
}

impl ModelNames {
    /// One model (tests and hand-built data).
    pub fn push(&mut self, id: &str, model_type: Option<&str>, tags: &[&str]) {
        self.ids.push(id.into());
        self.model_types.push(model_type.map(Into::into));
        self.tags.push(tags.iter().map(|t| (*t).into()).collect());
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Reads every model's names, in id order (as [`Models`] holds them).
    fn load(store: &Store) -> Result<ModelNames, StoreError> {
        let conn = store.connection();
        let mut out = ModelNames::default();
        // In rowid order, placed at each row's rank in id order (see `Models::from_tables`).
        let ranks = id_ranks(store)?;
        out.ids = vec![Box::from(""); ranks.len()];
        out.model_types = vec![None; ranks.len()];
        out.tags = vec![Vec::new(); ranks.len()];
        let mut statement =
            conn.prepare("SELECT id, model_type, tags FROM models ORDER BY rowid")?;
        let mut rows = statement.query([])?;
        let mut placed = 0_usize;
        while let Some(row) = rows.next()? {
            let Some(&rank) = ranks.get(placed) else {
                break;
            };
            placed += 1;
            let rank = rank as usize;
            let text = |i: usize| -> Result<Option<&str>, StoreError> {
                Ok(row.get_ref(i)?.as_str_or_null().ok().flatten())
            };
            out.ids[rank] = text(0)?.unwrap_or_default().into();
            out.model_types[rank] = text(1)?.filter(|t| !t.trim().is_empty()).map(Into::into);
            out.tags[rank] = text(2)?
                .and_then(|t| serde_json::from_str::<Vec<&str>>(t).ok())
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect();
        }
        drop(rows);
        debug_assert_eq!(placed, ranks.len());
        // Lineage: parents by child, fine-tunes first, then by where the relation was read.
        let index: HashMap<&str, usize> = out
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| (&**id, i))
            .collect();
        let mut parents: HashMap<usize, Vec<Box<str>>> = HashMap::new();
        let mut statement = conn.prepare(
            "SELECT child_id, parent_id FROM lineage
             ORDER BY child_id, relation != 'finetune', source = 'card', source, parent_id",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let child = row.get_ref(0)?.as_str().unwrap_or_default();
            let parent = row.get_ref(1)?.as_str().unwrap_or_default();
            if let Some(&i) = index.get(child) {
                let list = parents.entry(i).or_default();
                if !list.iter().any(|p| **p == *parent) {
                    list.push(parent.into());
                }
            }
        }
        drop(rows);
        out.parents = parents;
        Ok(out)
    }
}

/// Each source's position in `sources`, by source id.
fn positions(sources: &[StoredSource]) -> HashMap<i64, u16> {
    sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id, i.min(usize::from(u16::MAX)) as u16))
        .collect()
}

/// Bytes per model in the snapshot's columns.
const MODEL_BYTES: usize = 3 + 3 + 4 + 4 + 4 + 1 + 4 + 1 + 2 + 4;
const NONE: u32 = u32::MAX;

/// The columns as bytes: counts, the interned names, the source sets (by source id, so that a
/// source declared or added since changes nothing), then one fixed-width record per model.
fn encode(models: &Models) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + models.models.len() * MODEL_BYTES);
    let u32_of = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    out.extend(
        u64::try_from(models.models.len())
            .unwrap_or(u64::MAX)
            .to_le_bytes(),
    );
    for names in [&models.pipelines, &models.libraries, &models.authors] {
        out.extend(u32_of(names.len()).to_le_bytes());
        for name in &names.names {
            out.extend(u32_of(name.len()).to_le_bytes());
            out.extend(name.as_bytes());
        }
    }
    out.extend(u32_of(models.source_sets.len()).to_le_bytes());
    for set in &models.source_sets {
        out.extend(u32_of(set.len()).to_le_bytes());
        for &p in set {
            let id = models.sources.get(usize::from(p)).map_or(-1, |s| s.id);
            out.extend(id.to_le_bytes());
        }
    }
    let month = |m: Option<Month>| -> [u8; 3] {
        let (y, m) = m.map_or((0, 0), |m| (m.year, m.month));
        let y = y.to_le_bytes();
        [y[0], y[1], m]
    };
    for m in &models.models {
        out.extend(month(m.created));
        out.extend(month(m.first_commit));
        for v in [m.pipeline, m.library, m.author] {
            out.extend(v.unwrap_or(NONE).to_le_bytes());
        }
        out.push(u8::from(m.has_card) | (u8::from(m.card.is_some()) << 1));
        let card = m.card.unwrap_or(CardFacts {
            words: 0,
            score: 0,
            filled: 0,
        });
        out.extend(card.words.to_le_bytes());
        out.push(card.score);
        out.extend(card.filled.to_le_bytes());
        out.extend(m.sources.to_le_bytes());
    }
    out
}

/// Reads bytes in order, every length checked against what is left.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    /// A count of items of at least `each` bytes, refused if the bytes left cannot hold them.
    fn count(&mut self, each: usize) -> Option<usize> {
        let n = usize::try_from(self.u32()?).ok()?;
        (n.checked_mul(each)? <= self.bytes.len()).then_some(n)
    }
}

/// The columns back from [`encode`]'s bytes; `None` when they are not a whole, consistent
/// snapshot (then the tables are read instead): a month out of range, an index past its names, a
/// set of an unknown source, bytes left over.
fn decode(bytes: &[u8], sources: &[StoredSource]) -> Option<Models> {
    let mut r = Reader { bytes };
    let n = usize::try_from(u64::from_le_bytes(r.array()?)).ok()?;
    if n.checked_mul(MODEL_BYTES)? > r.bytes.len() {
        return None;
    }
    let mut names = || -> Option<Names> {
        let count = r.count(4)?;
        let mut out = Names::default();
        for _ in 0..count {
            let len = r.count(1)?;
            let name = std::str::from_utf8(r.take(len)?).ok()?;
            if out.intern(name) as usize != out.len() - 1 {
                return None; // a name twice
            }
        }
        Some(out)
    };
    let (pipelines, libraries, authors) = (names()?, names()?, names()?);
    let position = positions(sources);
    let sets = r.count(4)?;
    let mut source_sets = Vec::with_capacity(sets);
    for _ in 0..sets {
        let len = r.count(8)?;
        let mut set = Vec::with_capacity(len);
        for _ in 0..len {
            set.push(*position.get(&i64::from_le_bytes(r.array()?))?);
        }
        set.sort_unstable();
        source_sets.push(set);
    }
    if source_sets.first().is_none_or(|s| !s.is_empty()) {
        return None;
    }
    let month = |b: &[u8]| -> Option<Option<Month>> {
        match (u16::from_le_bytes([b[0], b[1]]), b[2]) {
            (0, 0) => Some(None),
            (y, m) => Month::new(y, m).map(Some),
        }
    };
    let index = |b: &[u8], names: &Names| -> Option<Option<u32>> {
        match u32::from_le_bytes([b[0], b[1], b[2], b[3]]) {
            NONE => Some(None),
            i => ((i as usize) < names.len()).then_some(Some(i)),
        }
    };
    let records = r.take(n * MODEL_BYTES)?;
    if !r.bytes.is_empty() {
        return None;
    }
    let mut models = Vec::with_capacity(n);
    for b in records.chunks_exact(MODEL_BYTES) {
        let flags = b[18];
        let sources = u32::from_le_bytes([b[26], b[27], b[28], b[29]]);
        if flags > 3 || sources as usize >= source_sets.len() {
            return None;
        }
        models.push(Model {
            created: month(&b[0..3])?,
            first_commit: month(&b[3..6])?,
            pipeline: index(&b[6..10], &pipelines)?,
            library: index(&b[10..14], &libraries)?,
            author: index(&b[14..18], &authors)?,
            has_card: flags & 1 != 0,
            card: (flags & 2 != 0).then(|| CardFacts {
                words: u32::from_le_bytes([b[19], b[20], b[21], b[22]]),
                score: b[23].min(100),
                filled: u16::from_le_bytes([b[24], b[25]]),
            }),
            sources,
        });
    }
    Some(Models {
        models,
        pipelines,
        libraries,
        authors,
        sources: Vec::new(),
        source_sets,
        origin: Origin::Given,
    })
}

/// Loads the store's models and resolves their families against `table` (plus the store's
/// model types), all read in one read transaction.
pub fn load_with_families(
    store: &Store,
    table: hubscope_mentions::FamilyTable,
    keep: Keep,
) -> Result<(Models, crate::family::Resolution), StoreError> {
    let (models, derived, names, types) = {
        let _read = store.read_transaction()?;
        let names = ModelNames::load(store)?;
        let (models, derived) = Models::read(store, Some(names.len()), keep)?;
        let types = hubscope_mentions::stored_model_types(store)?;
        (models, derived, names, types)
    };
    let models = models.kept(store.path(), derived, keep);
    let resolution = crate::family::FamilyResolver::new(table, types).resolve(names);
    Ok((models, resolution))
}
