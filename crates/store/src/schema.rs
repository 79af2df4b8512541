//! The schema, as a list of migrations applied in order. `PRAGMA user_version` holds how many
//! have been applied; the pending ones run in one transaction, so a database is always at a
//! known version. Migrations are append-only: a released migration is never edited.

use rusqlite::Connection;

use crate::error::StoreError;

/// Every migration, oldest first. The schema version of a database is the number applied.
pub const MIGRATIONS: &[&str] = &[
    // 1: models, cards, lineage, discussions, forum, ingest log.
    r#"
    CREATE TABLE ingest_runs (
        id            INTEGER PRIMARY KEY,
        kind          TEXT NOT NULL,            -- models | cards | discussions | forum
        source        TEXT NOT NULL,            -- path or URL
        format        TEXT NOT NULL,            -- jsonl | parquet | csv | dir | api
        source_bytes  INTEGER,
        started_at    TEXT NOT NULL,
        finished_at   TEXT,
        status        TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
        read          INTEGER NOT NULL DEFAULT 0,
        stored        INTEGER NOT NULL DEFAULT 0,
        updated       INTEGER NOT NULL DEFAULT 0,
        unchanged     INTEGER NOT NULL DEFAULT 0,
        skipped       INTEGER NOT NULL DEFAULT 0,
        field_issues  INTEGER NOT NULL DEFAULT 0,
        message       TEXT
    );

    -- Records skipped, and fields dropped from stored records, with the reason.
    CREATE TABLE ingest_issues (
        run_id   INTEGER NOT NULL REFERENCES ingest_runs(id) ON DELETE CASCADE,
        record   TEXT NOT NULL,                 -- model id, or FILE:LINE when there is none
        severity TEXT NOT NULL CHECK (severity IN ('skipped', 'field_dropped')),
        reason   TEXT NOT NULL
    );
    CREATE INDEX ingest_issues_run ON ingest_issues(run_id);

    CREATE TABLE models (
        id                  TEXT PRIMARY KEY,
        hub_object_id       TEXT,
        author              TEXT,
        sha                 TEXT,
        created_at          TEXT,               -- UTC, YYYY-MM-DDTHH:MM:SS.mmmZ
        last_modified       TEXT,
        downloads           INTEGER,
        downloads_all_time  INTEGER,
        likes               INTEGER,
        library             TEXT,
        pipeline_tag        TEXT,
        model_type          TEXT,               -- config.model_type
        architectures       TEXT,               -- JSON list, config.architectures
        gated               TEXT CHECK (gated IN ('no', 'yes', 'auto', 'manual')),
        private             INTEGER,
        disabled            INTEGER,
        tags                TEXT,               -- JSON list
        siblings            TEXT,               -- JSON list of file names
        safetensors_params  INTEGER,
        safetensors_dtypes  TEXT,               -- JSON object: parameters per dtype
        used_storage        INTEGER,
        card_data           TEXT,               -- JSON object: the card's front matter (cardData)
        has_card            INTEGER,
        task_domain         TEXT,
        variant             TEXT,
        first_seen_at       TEXT NOT NULL,
        updated_at          TEXT NOT NULL,
        last_run_id         INTEGER REFERENCES ingest_runs(id)
    );

    -- One row per tag, read from models.tags (a view: a table would multiply the writes of an
    -- ingest by the number of tags, ~25 per model on the Hub).
    CREATE VIEW model_tags AS
        SELECT m.id AS model_id, t.value AS tag
        FROM models m, json_each(m.tags) t
        WHERE m.tags IS NOT NULL;

    -- Base-model relations: child was derived from parent.
    CREATE TABLE lineage (
        child_id   TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        parent_id  TEXT NOT NULL,               -- not necessarily a stored model
        relation   TEXT NOT NULL CHECK (relation IN ('finetune', 'adapter', 'quantized', 'merge', 'unspecified')),
        source     TEXT NOT NULL CHECK (source IN ('tags', 'card_data', 'card')),
        PRIMARY KEY (child_id, source, parent_id)
    ) WITHOUT ROWID;
    CREATE INDEX lineage_parent ON lineage(parent_id);

    -- One row per revision of a model's card: a changed text is a new revision, the old kept.
    CREATE TABLE cards (
        id                      INTEGER PRIMARY KEY,
        model_id                TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        content_sha1            TEXT NOT NULL,  -- git blob id of the README text
        revision                TEXT,           -- repository commit the text was read at
        fetched_at              TEXT NOT NULL,
        run_id                  INTEGER REFERENCES ingest_runs(id),
        bytes                   INTEGER NOT NULL,
        front_matter            TEXT NOT NULL CHECK (front_matter IN ('absent', 'parsed', 'invalid')),
        yaml_error              TEXT,
        license_id              TEXT,
        license_spdx            TEXT,
        generator               TEXT,
        unedited_auto_generated INTEGER NOT NULL,
        unedited_template       INTEGER NOT NULL,
        words                   INTEGER NOT NULL,
        real_words              INTEGER NOT NULL,
        placeholders            INTEGER NOT NULL,
        sections_filled         INTEGER NOT NULL,
        score                   INTEGER NOT NULL,
        analysis                TEXT NOT NULL,  -- the card engine's full analysis, JSON
        raw_zstd                BLOB            -- the README text, zstd-compressed, when kept
    );
    CREATE INDEX cards_model ON cards(model_id, id);

    CREATE TABLE card_sections (
        card_id     INTEGER NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
        section     TEXT NOT NULL,
        present     INTEGER NOT NULL,
        filled      INTEGER NOT NULL,
        words       INTEGER NOT NULL,
        code_blocks INTEGER NOT NULL,
        tables      INTEGER NOT NULL,
        PRIMARY KEY (card_id, section)
    ) WITHOUT ROWID;

    CREATE TABLE discussions (
        id              INTEGER PRIMARY KEY,
        repo_id         TEXT NOT NULL,
        num             INTEGER NOT NULL,
        title           TEXT,
        status          TEXT,
        author          TEXT,
        created_at      TEXT,
        is_pull_request INTEGER,
        comments        INTEGER NOT NULL,
        content_sha1    TEXT NOT NULL,          -- of the thread as stored, to see changes
        run_id          INTEGER REFERENCES ingest_runs(id),
        UNIQUE (repo_id, num)
    );
    CREATE INDEX discussions_created_at ON discussions(created_at);

    CREATE TABLE discussion_comments (
        discussion_id INTEGER NOT NULL REFERENCES discussions(id) ON DELETE CASCADE,
        position      INTEGER NOT NULL,
        author        TEXT,
        created_at    TEXT,
        text          TEXT,
        hidden        INTEGER,
        PRIMARY KEY (discussion_id, position)
    ) WITHOUT ROWID;

    CREATE TABLE forum_categories (
        id          INTEGER PRIMARY KEY,
        slug        TEXT,
        name        TEXT,
        parent_id   INTEGER,
        description TEXT,
        topic_count INTEGER,
        post_count  INTEGER
    );

    CREATE TABLE forum_topics (
        id                      INTEGER PRIMARY KEY,
        category_id             INTEGER,
        title                   TEXT,
        slug                    TEXT,
        tags                    TEXT,           -- JSON list
        created_at              TEXT,
        bumped_at               TEXT,
        last_posted_at          TEXT,
        views                   INTEGER,
        like_count              INTEGER,
        posts_count             INTEGER,
        reply_count             INTEGER,
        accepted_answer_post_id INTEGER,
        closed                  INTEGER,
        archived                INTEGER,
        fetched_at              TEXT
    );
    CREATE INDEX forum_topics_created_at ON forum_topics(created_at);

    CREATE TABLE forum_posts (
        id                   INTEGER PRIMARY KEY,
        topic_id             INTEGER NOT NULL REFERENCES forum_topics(id) ON DELETE CASCADE,
        post_number          INTEGER,
        author               TEXT,
        created_at           TEXT,
        updated_at           TEXT,
        reply_to_post_number INTEGER,
        raw                  TEXT,
        is_accepted_answer   INTEGER,
        author_is_staff      INTEGER,
        fetched_at           TEXT
    );
    CREATE INDEX forum_posts_topic ON forum_posts(topic_id, post_number);
    "#,
    // 2: what the Hub crawler needs: every documented /api/models field, the first commit, the
    // renames of repositories, and crawl checkpoints.
    r#"
    ALTER TABLE models ADD COLUMN config TEXT;             -- JSON object, the whole config
    ALTER TABLE models ADD COLUMN model_index TEXT;        -- JSON list (top-level model-index)
    ALTER TABLE models ADD COLUMN base_models TEXT;        -- JSON (expand[]=baseModels)
    ALTER TABLE models ADD COLUMN transformers_info TEXT;  -- JSON object
    ALTER TABLE models ADD COLUMN spaces TEXT;             -- JSON list of Space ids
    ALTER TABLE models ADD COLUMN inference TEXT;          -- inference status (warm, cold, …)
    ALTER TABLE models ADD COLUMN first_commit_at TEXT;    -- date of the repository's first commit

    -- A repository that was renamed answers with a redirect to its new id.
    CREATE TABLE model_aliases (
        alias     TEXT PRIMARY KEY,
        model_id  TEXT NOT NULL,
        seen_at   TEXT NOT NULL
    );

    -- Where a crawl stands: the next page to fetch, written in the transaction that stores the
    -- page before it, so a crawl killed anywhere resumes without gaps or duplicates.
    CREATE TABLE crawl_state (
        name         TEXT PRIMARY KEY,
        next_url     TEXT,
        since        TEXT,
        pages        INTEGER NOT NULL DEFAULT 0,
        models       INTEGER NOT NULL DEFAULT 0,
        started_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        finished_at  TEXT
    );
    "#,
    // 3: what the forum miner needs: a fingerprint of each stored topic, where a post's text
    // comes from, the author's group, private categories.
    r#"
    ALTER TABLE forum_topics ADD COLUMN content_sha1 TEXT;   -- of the topic and its posts
    ALTER TABLE forum_topics ADD COLUMN run_id INTEGER REFERENCES ingest_runs(id);
    ALTER TABLE forum_posts ADD COLUMN text_source TEXT;     -- raw (Markdown) | cooked (from HTML)
    ALTER TABLE forum_posts ADD COLUMN author_group TEXT;    -- the author's primary group
    ALTER TABLE forum_categories ADD COLUMN read_restricted INTEGER;
    CREATE INDEX forum_topics_bumped_at ON forum_topics(bumped_at);
    "#,
    // 4: the coding workflow: each coder's codes for forum topics and Hub discussions, as
    // imported from coding sheets. The adjudicated code of an item is the coder '(resolved)'.
    r#"
    CREATE TABLE codes (
        source       TEXT NOT NULL CHECK (source IN ('forum', 'discussions')),
        item_id      INTEGER NOT NULL,          -- forum topic id, or discussions.id
        coder        TEXT NOT NULL,
        category_id  INTEGER NOT NULL,          -- 0 = no challenge
        subcategory  TEXT,
        benefit_id   INTEGER,
        note         TEXT,
        sheet        TEXT NOT NULL,             -- the file the code came from
        imported_at  TEXT NOT NULL,
        PRIMARY KEY (source, item_id, coder)
    ) WITHOUT ROWID;
    CREATE INDEX codes_coder ON codes(coder);
    "#,
    // 5: the internal catalog's decision log. Append-only: triggers refuse UPDATE and DELETE,
    // so no command (nor a hand-written SQL statement) can rewrite history. A model's state is
    // its latest decision.
    r#"
    CREATE TABLE catalog_decisions (
        id              INTEGER PRIMARY KEY,
        model_id        TEXT NOT NULL,
        revision        TEXT,                   -- the repository sha the decision is about
        card_sha1       TEXT,                   -- the card text audited (cards.content_sha1)
        action          TEXT NOT NULL CHECK (action IN ('proposed', 'approved', 'rejected', 'deprecated')),
        decided_by      TEXT NOT NULL,
        decided_at      TEXT NOT NULL,
        reason          TEXT,
        override        INTEGER NOT NULL DEFAULT 0,
        policy_name     TEXT,
        policy_version  TEXT,
        policy_hash     TEXT,
        passed          INTEGER,                -- the audit's verdict, when audited
        findings        TEXT                    -- the audit's findings, JSON
    );
    CREATE INDEX catalog_decisions_model ON catalog_decisions(model_id, id);
    CREATE TRIGGER catalog_decisions_append_only_update BEFORE UPDATE ON catalog_decisions
    BEGIN
        SELECT RAISE(ABORT, 'the catalog decision log is append-only: decisions cannot be changed');
    END;
    CREATE TRIGGER catalog_decisions_append_only_delete BEFORE DELETE ON catalog_decisions
    BEGIN
        SELECT RAISE(ABORT, 'the catalog decision log is append-only: decisions cannot be deleted');
    END;
    "#,
    // 6: proof-of-concept evaluations of local encoders on a team's own labelled texts, kept
    // beside the catalog's decisions and, like them, append-only: an evaluation is evidence.
    r#"
    CREATE TABLE poc_evaluations (
        id                INTEGER PRIMARY KEY,
        model_id          TEXT NOT NULL,
        revision          TEXT,                 -- the Hugging Face cache snapshot evaluated, if any
        weights_sha1      TEXT,                 -- model.safetensors as evaluated
        dataset           TEXT NOT NULL,        -- the labelled file's name
        dataset_sha1      TEXT NOT NULL,
        texts             INTEGER NOT NULL,
        labels            INTEGER NOT NULL,
        accuracy          REAL NOT NULL,
        macro_f1          REAL NOT NULL,
        latency_p50_ms    REAL,
        latency_p95_ms    REAL,
        texts_per_second  REAL,
        peak_memory_mb    REAL,
        evaluated_by      TEXT NOT NULL,
        evaluated_at      TEXT NOT NULL,
        details           TEXT NOT NULL         -- the whole evaluation, JSON
    );
    CREATE INDEX poc_evaluations_model ON poc_evaluations(model_id, id);
    CREATE TRIGGER poc_evaluations_append_only_update BEFORE UPDATE ON poc_evaluations
    BEGIN
        SELECT RAISE(ABORT, 'proof-of-concept evaluations are append-only: they cannot be changed');
    END;
    CREATE TRIGGER poc_evaluations_append_only_delete BEFORE DELETE ON poc_evaluations
    BEGIN
        SELECT RAISE(ABORT, 'proof-of-concept evaluations are append-only: they cannot be deleted');
    END;
    "#,
    // 7: sampling frames. Every ingest and crawl reads a source; a source is a census (every
    // model created in its window) or a sample, and which models each source holds is kept, so
    // a trend counts, in each month, only the sources that are a census of it. Databases from
    // before get one source per path already read, as undeclared samples (the safe default);
    // `hubscope sources declare` sets their frames. Codes get the classifier's confidence, and
    // each classification run keeps the measured agreement of the classifier that made it.
    r#"
    CREATE TABLE sources (
        id           INTEGER PRIMARY KEY,
        kind         TEXT NOT NULL,             -- models | cards | discussions | forum
        name         TEXT NOT NULL,             -- the path or URL as first given
        key          TEXT NOT NULL UNIQUE,      -- canonical path, or crawl:LISTING
        frame        TEXT NOT NULL CHECK (frame IN ('census', 'sample')),
        window_from  TEXT,                      -- YYYY-MM: the months a census covers
        window_to    TEXT,
        snapshot     TEXT,                      -- when the data was taken
        declared_by  TEXT NOT NULL CHECK (declared_by IN ('user', 'manifest', 'crawl', 'default')),
        declared_in  TEXT,                      -- the manifest, when one declared it
        describes    TEXT,                      -- what the source is, in words
        declared_at  TEXT NOT NULL
    );
    -- Which sources hold a model: the first one in the model's row (written with the row, at
    -- no cost: a separate membership row per model made a 2,000,000-row ingest 45 % slower),
    -- any further one in model_other_sources; the view model_sources has them all.
    ALTER TABLE models ADD COLUMN source_id INTEGER REFERENCES sources(id);
    CREATE TABLE model_other_sources (
        model_id   TEXT NOT NULL,
        source_id  INTEGER NOT NULL REFERENCES sources(id),
        PRIMARY KEY (model_id, source_id)
    ) WITHOUT ROWID;
    CREATE VIEW model_sources AS
        SELECT id AS model_id, source_id FROM models WHERE source_id IS NOT NULL
        UNION ALL
        SELECT model_id, source_id FROM model_other_sources;
    ALTER TABLE ingest_runs ADD COLUMN source_id INTEGER REFERENCES sources(id);
    INSERT INTO sources (kind, name, key, frame, declared_by, declared_at)
        SELECT kind, source, source, 'sample', 'default', min(started_at)
        FROM ingest_runs GROUP BY source ORDER BY min(id);
    UPDATE ingest_runs SET source_id = (SELECT s.id FROM sources s WHERE s.key = ingest_runs.source);
    UPDATE models SET source_id = (SELECT r.source_id FROM ingest_runs r
                                   WHERE r.id = models.last_run_id AND r.kind = 'models');

    ALTER TABLE codes ADD COLUMN confidence REAL;  -- the classifier's, for machine codes

    CREATE TABLE classifications (
        id             INTEGER PRIMARY KEY,
        coder          TEXT NOT NULL,           -- hubscope:METHOD, the codes' coder
        method         TEXT NOT NULL,
        classifier     TEXT NOT NULL,           -- built-in, or the weights file
        classified_at  TEXT NOT NULL,
        items          INTEGER NOT NULL,
        agreement      TEXT                     -- JSON: the classifier's measured agreement
    );
    CREATE INDEX classifications_coder ON classifications(coder, id);
    "#,
    // 8: sentence vectors kept by the text they embed and the encoder that made them, so that
    // classifying again embeds only new or changed texts.
    r#"
    CREATE TABLE embeddings (
        encoder    TEXT NOT NULL,               -- hubscope_embed::Encoder::identity
        text_sha1  BLOB NOT NULL,               -- SHA-1 of the text as given to the encoder
        vector     BLOB NOT NULL,               -- little-endian f32s
        PRIMARY KEY (encoder, text_sha1)
    ) WITHOUT ROWID;
    "#,
    // 9: snapshots of derived columns (the trends' models, read in one blob instead of a join
    // over millions of rows). Every change to a table they are derived from bumps
    // `model_generation`, by trigger, whoever writes it (hubscope or a SQL shell); a snapshot
    // is used only while its generation is the store's.
    r#"
    CREATE TABLE model_generation (n INTEGER NOT NULL);
    INSERT INTO model_generation (n) VALUES (0);
    CREATE TABLE snapshots (
        name        TEXT NOT NULL,     -- what is kept, with the version of its encoding
        part        INTEGER NOT NULL,  -- 0, 1, ...: a snapshot is kept in parts of <= 64 MiB
        generation  INTEGER NOT NULL,  -- model_generation.n it was derived at
        bytes       BLOB NOT NULL,
        PRIMARY KEY (name, part)
    );
    CREATE TRIGGER models_insert_generation AFTER INSERT ON models
        BEGIN UPDATE model_generation SET n = n + 1; END;
    CREATE TRIGGER models_update_generation AFTER UPDATE ON models
        BEGIN UPDATE model_generation SET n = n + 1; END;
    CREATE TRIGGER models_delete_generation AFTER DELETE ON models
        BEGIN UPDATE model_generation SET n = n + 1; END;
    CREATE TRIGGER cards_insert_generation AFTER INSERT ON cards
        BEGIN UPDATE model_generation SET n = n + 1; END;
    CREATE TRIGGER cards_update_generation AFTER UPDATE ON cards
        BEGIN UPDATE model_generation SET n = n + 1; END;
    CREATE TRIGGER cards_delete_generation AFTER DELETE ON cards
        BEGIN UPDATE model_generation SET n = n + 1; END;
    CREATE TRIGGER card_sections_insert_generation AFTER INSERT ON card_sections
        BEGIN UPDATE model_generation SET n = n + 1; END;
    CREATE TRIGGER card_sections_update_generation AFTER UPDATE ON card_sections
        BEGIN UPDATE model_generation SET n = n + 1; END;
    CREATE TRIGGER card_sections_delete_generation AFTER DELETE ON card_sections
        BEGIN UPDATE model_generation SET n = n + 1; END;
    CREATE TRIGGER model_other_sources_insert_generation AFTER INSERT ON model_other_sources
        BEGIN UPDATE model_generation SET n = n + 1; END;
    CREATE TRIGGER model_other_sources_update_generation AFTER UPDATE ON model_other_sources
        BEGIN UPDATE model_generation SET n = n + 1; END;
    CREATE TRIGGER model_other_sources_delete_generation AFTER DELETE ON model_other_sources
        BEGIN UPDATE model_generation SET n = n + 1; END;
    "#,
    // 10: `models.gated`'s CHECK written as comparisons, not `IN (...)`. SQLite evaluates an IN
    // list of more than two values by building a temporary b-tree, once per statement: once
    // per inserted model, a fifth of a bulk ingest. The constraint is the same, so this is
    // SQLite's documented edit of a table's definition in place (writable_schema, within the
    // migration's transaction; `migrate` bumps the schema version after it).
    r#"
    PRAGMA writable_schema = ON;
    UPDATE sqlite_schema
        SET sql = replace(sql, 'CHECK (gated IN (''no'', ''yes'', ''auto'', ''manual''))',
            'CHECK (gated = ''no'' OR gated = ''yes'' OR gated = ''auto'' OR gated = ''manual'')')
        WHERE type = 'table' AND name = 'models';
    PRAGMA writable_schema = OFF;
    "#,
    // 11: a CRC-32 of each snapshot part, checked when it is read back: a part damaged on disk
    // or by hand is rebuilt from the tables, never decoded into wrong figures. Parts kept before
    // have none, and are rebuilt once.
    r#"
    ALTER TABLE snapshots ADD COLUMN crc32 INTEGER;
    "#,
];

/// Brings a database to the latest schema version.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let latest = MIGRATIONS.len() as i64;
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > latest {
        return Err(StoreError::NewerSchema {
            found: current,
            supported: latest,
        });
    }
    if current == latest {
        return Ok(());
    }
    // The write lock is taken first and the version read under it: two processes opening a new
    // database at once (a crawl starting while another command reads) must not both apply
    // migration 1. The second waits, then finds nothing left to do. Every pending migration
    // goes in one transaction: an upgrade is whole or not at all, and a new database writes
    // its schema to the log once (2.6 MB at 64 KiB pages) rather than once per migration, so
    // it can begin on a nearly full disk.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current >= latest {
        return Ok(());
    }
    for migration in &MIGRATIONS[current.max(0) as usize..] {
        tx.execute_batch(migration)?;
    }
    // A definition edited in place (migration 10) is seen by other connections only when the
    // schema version moves; one more step is harmless after any migration.
    let schema_version: i64 = tx.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
    tx.pragma_update(None, "schema_version", schema_version + 1)?;
    tx.pragma_update(None, "user_version", latest)?;
    tx.commit()?;
    Ok(())
}
