//! `hubscope ingest`, `export` and `db stats` on the real dumps of `../shared/data/hub`
//! (`models.jsonl`, `liang-2022-model-info.parquet`, `sail-2024-model-variants.csv`,
//! `readmes.jsonl`) and `../shared/data/forum/hub-discussions.jsonl`.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use hubscope_store::Store;

fn hubscope(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hubscope"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = hubscope(db, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "hubscope {args:?} failed: {stderr}");
    stderr
}

fn corpus(relative: &str) -> String {
    hubscope_corpus::path(relative)
        .to_str()
        .unwrap()
        .to_string()
}

fn count(db: &Path, sql: &str) -> i64 {
    let store = Store::open_existing(db).unwrap();
    store.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn each_real_model_file_gives_its_models_and_re_ingesting_changes_nothing() {
    for (file, read, distinct) in [
        ("hub/models.jsonl", 1_820, 1_820),
        ("hub/liang-2022-model-info.parquet", 74_970, 74_970),
        // SAIL lists Locutusque/Hyperion-1.5-Mistral-7B twice.
        ("hub/sail-2024-model-variants.csv", 52_227, 52_226),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.db");
        let first = ok(&db, &["ingest", "models", &corpus(file)]);
        let dup = read - distinct;
        assert!(
            first.contains(&format!(
                "read {read}, stored {distinct}, updated 0, unchanged {dup}, skipped 0"
            )),
            "{file}: {first}"
        );
        assert_eq!(count(&db, "SELECT count(*) FROM models"), distinct);
        let again = ok(&db, &["ingest", "models", &corpus(file)]);
        assert!(
            again.contains(&format!(
                "read {read}, stored 0, updated 0, unchanged {read}, skipped 0"
            )),
            "{file}: {again}"
        );
        assert_eq!(count(&db, "SELECT count(*) FROM models"), distinct);
        assert_eq!(
            count(
                &db,
                "SELECT count(*) FROM ingest_runs WHERE status = 'completed'"
            ),
            2
        );
    }
}

#[test]
fn cards_twice_keep_one_revision_per_text_and_discussions_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    ok(&db, &["ingest", "models", &corpus("hub/models.jsonl")]);
    let first = ok(&db, &["ingest", "cards", &corpus("hub/readmes.jsonl")]);
    assert!(
        first.contains("read 1820, stored 1820, updated 0, unchanged 0"),
        "{first}"
    );
    let again = ok(
        &db,
        &[
            "ingest",
            "cards",
            &corpus("hub/readmes.jsonl"),
            "--keep-text",
        ],
    );
    assert!(
        again.contains("read 1820, stored 0, updated 0, unchanged 1820"),
        "{again}"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM cards"), 1820);
    assert_eq!(
        count(&db, "SELECT count(DISTINCT model_id) FROM cards"),
        1820
    );
    assert_eq!(count(&db, "SELECT count(*) FROM card_sections"), 1820 * 13);
    // Every card belongs to a model of models.jsonl: no model was created from a card.
    assert_eq!(count(&db, "SELECT count(*) FROM models"), 1820);
    // The engine's verdicts are queryable: 676 unedited Trainer cards (see the card tests).
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM cards WHERE generator = 'transformers_trainer' \
             AND unedited_auto_generated = 1"
        ),
        676
    );
    let d = ok(
        &db,
        &[
            "ingest",
            "discussions",
            &corpus("forum/hub-discussions.jsonl"),
        ],
    );
    assert!(d.contains("read 22868, stored 22868"), "{d}");
    assert_eq!(
        count(&db, "SELECT count(*) FROM discussion_comments"),
        64_637
    );
    let d = ok(
        &db,
        &[
            "ingest",
            "discussions",
            &corpus("forum/hub-discussions.jsonl"),
        ],
    );
    assert!(d.contains("stored 0, updated 0, unchanged 22868"), "{d}");
}

/// Reads every Parquet file below `dir` with the parquet crate: (rows, ids).
/// Every model row of a Parquet export, as `id → (column → value)`: text as it is, integers and
/// booleans written out, times as milliseconds since the epoch, lists as JSON arrays.
fn read_parquet_models(
    dir: &Path,
) -> std::collections::HashMap<String, Vec<(String, Option<String>)>> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Int64Type, TimestampMillisecondType};
    use arrow_schema::DataType;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let mut out = std::collections::HashMap::new();
    for p in parquet_files(dir) {
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&p).unwrap())
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            let schema = batch.schema();
            for row in 0..batch.num_rows() {
                let mut cells = Vec::new();
                for (field, column) in schema.fields().iter().zip(batch.columns()) {
                    let value = (!column.is_null(row)).then(|| match field.data_type() {
                        DataType::Utf8 => column.as_string::<i32>().value(row).to_string(),
                        DataType::Int64 => {
                            column.as_primitive::<Int64Type>().value(row).to_string()
                        }
                        DataType::Boolean => column.as_boolean().value(row).to_string(),
                        DataType::Timestamp(..) => column
                            .as_primitive::<TimestampMillisecondType>()
                            .value(row)
                            .to_string(),
                        DataType::List(_) => {
                            let list = column.as_list::<i32>().value(row);
                            let items: Vec<&str> =
                                list.as_string::<i32>().iter().map(|v| v.unwrap()).collect();
                            serde_json::to_string(&items).unwrap()
                        }
                        other => panic!("{}: unexpected type {other}", field.name()),
                    });
                    cells.push((field.name().clone(), value));
                }
                let id = cells
                    .iter()
                    .find(|c| c.0 == "id")
                    .unwrap()
                    .1
                    .clone()
                    .unwrap();
                out.insert(id, cells);
            }
        }
    }
    out
}

/// Every exported column of every model equals the store's value.
fn assert_models_match_the_store(db: &Path, exported: &Path) {
    use rusqlite::types::Value as V;
    const TIMES: &[&str] = &[
        "created_at",
        "last_modified",
        "first_seen_at",
        "updated_at",
        "first_commit_at",
    ];
    const BOOLS: &[&str] = &["private", "disabled", "has_card"];
    const LISTS: &[&str] = &["architectures", "tags", "siblings", "spaces"];
    let parquet = read_parquet_models(exported);
    let columns: Vec<String> = parquet
        .values()
        .next()
        .unwrap()
        .iter()
        .map(|(c, _)| c.clone())
        .filter(|c| c != "created_month")
        .collect();
    assert!(columns.len() > 30, "{columns:?}");
    let store = Store::open_existing(db).unwrap();
    let mut statement = store
        .connection()
        .prepare(&format!("SELECT {} FROM models", columns.join(", ")))
        .unwrap();
    let mut rows = statement.query([]).unwrap();
    let (mut models, mut cells) = (0usize, 0usize);
    while let Some(row) = rows.next().unwrap() {
        let id: String = row
            .get(columns.iter().position(|c| c == "id").unwrap())
            .unwrap();
        let exported = &parquet[&id];
        for (i, column) in columns.iter().enumerate() {
            let expected = match row.get::<_, V>(i).unwrap() {
                V::Null => None,
                V::Integer(n) if BOOLS.contains(&column.as_str()) => Some((n != 0).to_string()),
                V::Integer(n) => Some(n.to_string()),
                V::Text(t) if TIMES.contains(&column.as_str()) => Some(
                    chrono::DateTime::parse_from_rfc3339(&t)
                        .unwrap()
                        .timestamp_millis()
                        .to_string(),
                ),
                V::Text(t) if LISTS.contains(&column.as_str()) => Some(
                    serde_json::to_string(&serde_json::from_str::<Vec<String>>(&t).unwrap())
                        .unwrap(),
                ),
                V::Text(t) => Some(t),
                other => panic!("{id}.{column}: unexpected {other:?}"),
            };
            let found = exported.iter().find(|(c, _)| c == column).map(|(_, v)| v);
            assert_eq!(found, Some(&expected), "{id}.{column}");
            cells += 1;
        }
        models += 1;
    }
    assert_eq!(models, parquet.len());
    assert!(cells > 1_000_000, "{cells} cells compared");
}

/// The Parquet files below `dir` (its Hive partitions included).
fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                pending.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                files.push(p);
            }
        }
    }
    files
}

fn read_parquet_ids(dir: &Path) -> (usize, HashSet<String>) {
    use arrow_array::cast::AsArray;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let (mut rows, mut ids) = (0, HashSet::new());
    for f in parquet_files(dir) {
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&f).unwrap())
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            rows += batch.num_rows();
            let id = batch.column_by_name("id").unwrap().as_string::<i32>();
            ids.extend(id.iter().map(|v| v.unwrap().to_string()));
        }
    }
    (rows, ids)
}

#[test]
fn export_reads_back_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    ok(&db, &["ingest", "models", &corpus("hub/models.jsonl")]);
    ok(
        &db,
        &[
            "ingest",
            "models",
            &corpus("hub/liang-2022-model-info.parquet"),
            "--frame",
            "census",
        ],
    );
    let out = dir.path().join("export");
    ok(&db, &["export", "--out", out.to_str().unwrap()]);
    let stored: HashSet<String> = {
        let store = Store::open_existing(&db).unwrap();
        let mut stmt = store.connection().prepare("SELECT id FROM models").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let (rows, ids) = read_parquet_ids(&out.join("models"));
    assert_eq!(rows, stored.len());
    assert_eq!(ids, stored);
    assert_models_match_the_store(&db, &out.join("models"));
    // Hive partitions by creation month, and one for models without a date.
    assert!(
        out.join("models/created_month=2018-11/part-0.parquet")
            .exists()
    );
    assert!(
        out.join("models/created_month=__HIVE_DEFAULT_PARTITION__/part-0.parquet")
            .exists()
    );
    for table in [
        "cards",
        "lineage",
        "discussions",
        "ingest_runs",
        "sources",
        "model_other_sources",
        "classifications",
    ] {
        assert!(out.join(table).join("part-0.parquet").exists(), "{table}");
    }
    // CSV: the same rows.
    let csv_out = dir.path().join("csv");
    ok(
        &db,
        &[
            "export",
            "--out",
            csv_out.to_str().unwrap(),
            "--format",
            "csv",
            "--table",
            "models",
        ],
    );
    let mut csv_rows = 0;
    let mut pending = vec![csv_out.join("models")];
    while let Some(d) = pending.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                pending.push(p);
            } else {
                csv_rows += csv::Reader::from_path(&p).unwrap().records().count();
            }
        }
    }
    assert_eq!(csv_rows, stored.len());
    python_reads_back(&out, stored.len());
    census_members_read_back(&out);
    // Each model's family, resolved as the trends resolve it.
    assert!(out.join("model_families/part-0.parquet").exists());
    uploads_by_family_read_back(&db, &out);
}

/// The README's SQL for `trends uploads --by family`, run by DuckDB over the export, gives every
/// row of the command's table that has uploads, and no other.
fn uploads_by_family_read_back(db: &Path, out: &Path) {
    let Some(python) = hubscope_corpus::peer("HUBSCOPE_PYTHON") else {
        return;
    };
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let block = readme
        .split("<!-- uploads-by-family-sql -->\n```sql\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README's uploads-by-family SQL");
    let views: String = ["models", "model_other_sources", "sources", "model_families"]
        .iter()
        .map(|t| {
            let files = if *t == "models" { "*/*" } else { "*" };
            format!(
                "duckdb.sql(\"CREATE VIEW {t} AS SELECT * FROM read_parquet('{dir}/{t}/{files}.parquet', \
                 hive_partitioning = true)\")\n",
                dir = out.display()
            )
        })
        .collect();
    let script = format!(
        "import duckdb, csv, sys\n{views}\
         w = csv.writer(sys.stdout, lineterminator='\\n')\n\
         for row in duckdb.sql({block:?}).fetchall(): w.writerow(row)\n"
    );
    let output = Command::new(python).arg("-c").arg(script).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let triples = |reader: csv::Reader<&[u8]>| -> Vec<(String, String, String)> {
        let mut rows: Vec<_> = reader
            .into_records()
            .map(Result::unwrap)
            .filter(|r| &r[2] != "0")
            .map(|r| (r[0].to_string(), r[1].to_string(), r[2].to_string()))
            .collect();
        rows.sort();
        rows
    };
    let sql = triples(
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(output.stdout.as_slice()),
    );
    let table = hubscope(db, &["trends", "uploads", "--by", "family"]);
    assert!(table.status.success());
    let ours = triples(csv::Reader::from_reader(table.stdout.as_slice()));
    assert!(ours.len() > 1000, "{} rows", ours.len());
    let only_sql: Vec<_> = sql.iter().filter(|r| !ours.contains(r)).take(5).collect();
    let only_ours: Vec<_> = ours.iter().filter(|r| !sql.contains(r)).take(5).collect();
    assert!(
        sql == ours,
        "{} SQL rows, {} of ours; only in the SQL's: {only_sql:?}; only in ours: {only_ours:?}",
        sql.len(),
        ours.len()
    );
}

/// DuckDB over the export finds each source's frame and members: a model's first source in its
/// row, further ones in `model_other_sources` (the one model both dumps hold was stored first
/// from models.jsonl, so the census holds it as a further source).
fn census_members_read_back(out: &Path) {
    let Some(python) = hubscope_corpus::peer("HUBSCOPE_PYTHON") else {
        return;
    };
    let script = format!(
        "import duckdb\n\
         print(duckdb.sql(\"WITH members AS (\
           SELECT id AS model_id, source_id FROM read_parquet('{dir}/models/*/*.parquet') \
           WHERE source_id IS NOT NULL \
           UNION ALL SELECT model_id, source_id FROM read_parquet('{dir}/model_other_sources/*.parquet')) \
         SELECT s.frame, count(*) FROM members JOIN read_parquet('{dir}/sources/*.parquet') s \
           ON s.id = members.source_id GROUP BY 1 ORDER BY 1\").fetchall())\n",
        dir = out.display()
    );
    let output = Command::new(python).arg("-c").arg(script).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "[('census', 74970), ('sample', 1820)]"
    );
}

/// If the test environment has a Python with pyarrow and duckdb (`HUBSCOPE_PYTHON`, set by
/// scripts/test.sh), they read the export as one table too.
fn python_reads_back(out: &Path, rows: usize) {
    let Some(python) = hubscope_corpus::peer("HUBSCOPE_PYTHON") else {
        return;
    };
    let script = format!(
        "import duckdb, pyarrow.dataset as ds\n\
         t = ds.dataset({dir:?}, format='parquet', partitioning='hive').to_table()\n\
         d = duckdb.sql(\"SELECT count(*), count(DISTINCT id), count(created_month) FROM \
         read_parquet('{dir}/*/*.parquet', hive_partitioning = true)\").fetchall()[0]\n\
         print(t.num_rows, d[0], d[1], d[2], t.schema.field('created_month').type)\n",
        dir = out.join("models").display()
    );
    let output = Command::new(python).arg("-c").arg(script).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let fields: Vec<&str> = stdout.split_whitespace().collect();
    assert_eq!(fields[0].parse::<usize>().unwrap(), rows, "pyarrow rows");
    assert_eq!(fields[1].parse::<usize>().unwrap(), rows, "duckdb rows");
    assert_eq!(
        fields[2].parse::<usize>().unwrap(),
        rows,
        "duckdb distinct ids"
    );
    assert_eq!(fields[4], "string");
}

#[test]
fn db_stats_reports_tables_and_dates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    ok(
        &db,
        &[
            "ingest",
            "models",
            &corpus("hub/liang-2022-model-info.parquet"),
        ],
    );
    let out = hubscope(&db, &["db", "stats", "--json"]);
    assert!(out.status.success());
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let models = stats["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "models")
        .unwrap();
    assert_eq!(models["rows"], 74_970);
    let created = &stats["date_ranges"][0];
    assert_eq!(created["column"], "models.created_at");
    assert_eq!(created["min"], "2018-11-14T23:35:08.000Z");
    assert!(stats["bytes_on_disk"].as_u64().unwrap() > 1_000_000);
    // Reading a database that does not exist creates nothing.
    let missing = dir.path().join("none.db");
    let out = hubscope(&missing, &["db", "stats"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database at"));
    assert!(!missing.exists());
}

/// A large dump: the real rows of models.jsonl, repeated with new ids.
fn replicated_models(path: &Path, copies: usize) -> usize {
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(corpus("hub/models.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for copy in 0..copies {
        for line in &lines {
            let mut v = line.clone();
            let id = format!("{}-copy{copy}", v["id"].as_str().unwrap());
            v["id"] = serde_json::Value::String(id);
            serde_json::to_writer(&mut out, &v).unwrap();
            out.write_all(b"\n").unwrap();
        }
    }
    out.flush().unwrap();
    lines.len() * copies
}

fn spawn_ingest(db: &Path, file: &Path, batch_size: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_hubscope"))
        .arg("--db")
        .arg(db)
        .args(["ingest", "models"])
        .arg(file)
        .args(["--batch-size", batch_size])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Starts `ingest models` on a named pipe and writes the first `fraction` of `file` into it (up
/// to a line end): the ingest is certainly still running, however loaded the machine is, until
/// the rest is written or the returned pipe is dropped.
fn ingest_through_pipe(
    db: &Path,
    dir: &Path,
    file: &Path,
    fraction: f64,
) -> (std::process::Child, std::fs::File, Vec<u8>) {
    let fifo = dir.join("pipe.jsonl");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo failed");
    let child = spawn_ingest(db, &fifo, "200");
    let text = std::fs::read(file).unwrap();
    let cut = (text.len() as f64 * fraction) as usize;
    let cut = cut + text[cut..].iter().position(|b| *b == b'\n').unwrap() + 1;
    let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    pipe.write_all(&text[..cut]).unwrap();
    pipe.flush().unwrap();
    (child, pipe, text[cut..].to_vec())
}

/// Waits until the running ingest has committed at least one batch.
fn wait_for_first_batch(db: &Path, child: &mut std::process::Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if db.exists()
            && let Ok(store) = Store::open_existing(db)
            && let Ok(n) = store.connection().query_row(
                "SELECT coalesce(max(stored), 0) FROM ingest_runs WHERE status = 'running'",
                [],
                |r| r.get::<_, i64>(0),
            )
            && n > 0
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

#[test]
fn an_ingest_killed_midway_leaves_a_consistent_file_and_a_re_run_converges() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let file: PathBuf = dir.path().join("big.jsonl");
    let total = replicated_models(&file, 10) as i64;
    let (mut child, pipe, _) = ingest_through_pipe(&db, dir.path(), &file, 0.4);
    assert!(
        wait_for_first_batch(&db, &mut child),
        "the ingest finished before it could be killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    drop(pipe);

    let partial = count(&db, "SELECT count(*) FROM models");
    assert!(partial > 0 && partial < total, "{partial} of {total}");
    assert_eq!(partial % 200, 0, "only whole batches are stored");
    let store = Store::open_existing(&db).unwrap();
    let check: String = store
        .connection()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    // The log agrees with the table: counts are committed with their batch.
    assert!(count(&db, "SELECT stored FROM ingest_runs WHERE id = 1") >= partial - 200);
    drop(store);

    let rerun = ok(&db, &["ingest", "models", file.to_str().unwrap()]);
    assert!(
        rerun.contains(&format!("read {total}, stored {}", total - partial)),
        "{rerun}"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM models"), total);
    assert_eq!(count(&db, "SELECT count(DISTINCT id) FROM models"), total);
    let store = Store::open_existing(&db).unwrap();
    let status: String = store
        .connection()
        .query_row("SELECT status FROM ingest_runs WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(status, "interrupted");
}

#[test]
fn a_second_ingest_at_the_same_time_is_refused_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let file = dir.path().join("big.jsonl");
    let total = replicated_models(&file, 4) as i64;
    let (mut first, mut pipe, rest) = ingest_through_pipe(&db, dir.path(), &file, 0.5);
    assert!(
        wait_for_first_batch(&db, &mut first),
        "the first ingest ended too soon"
    );
    let second = hubscope(&db, &["ingest", "models", file.to_str().unwrap()]);
    assert_eq!(second.status.code(), Some(2));
    let message = String::from_utf8_lossy(&second.stderr);
    assert!(
        message.contains("another ingest is writing to"),
        "{message}"
    );
    pipe.write_all(&rest).unwrap();
    drop(pipe);
    let status = first.wait().unwrap();
    assert!(status.success());
    assert_eq!(count(&db, "SELECT count(*) FROM models"), total);
    assert_eq!(count(&db, "SELECT count(*) FROM ingest_runs"), 1);
}

#[test]
fn cards_from_folders_belong_to_the_model_their_path_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let cards = dir.path().join("cards");
    for (path, text) in [
        (
            "org/model-a/README.md",
            "---\nlicense: mit\n---\n# A\n\nFirst model.\n",
        ),
        ("org/model-b/README.md", "# B\n\n## Uses\n\nFor tests.\n"),
        ("solo/notes.md", "# Notes\n"),
    ] {
        let p = cards.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::fs::write(cards.join("org/model-b/broken.md"), b"# Broken \xff\n").unwrap();
    let out = ok(&db, &["ingest", "cards", cards.to_str().unwrap()]);
    assert!(
        out.contains("read 4, stored 3, updated 0, unchanged 0, skipped 1"),
        "{out}"
    );
    assert!(out.contains("not UTF-8"), "{out}");
    let store = Store::open_existing(&db).unwrap();
    let mut ids: Vec<String> = store
        .connection()
        .prepare("SELECT model_id FROM cards ORDER BY model_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    ids.sort();
    assert_eq!(ids, ["org/model-a", "org/model-b", "solo/notes"]);
    drop(store);
    // A single file with an explicit model id; its edit is a new revision of that model.
    let single = dir.path().join("README.md");
    std::fs::write(&single, "# A\n\nFirst model, edited.\n").unwrap();
    let out = ok(
        &db,
        &[
            "ingest",
            "cards",
            single.to_str().unwrap(),
            "--model-id",
            "org/model-a",
        ],
    );
    assert!(out.contains("read 1, stored 0, updated 1"), "{out}");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM cards WHERE model_id = 'org/model-a'"
        ),
        2
    );
}
