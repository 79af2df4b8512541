//! Regression tests for hostile sources (issue 16): each input is generated here, run through
//! the binary, and the run must end cleanly, bounded, with the problem recorded.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{hubscope, ok};
use proptest::prelude::*;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn issue_reasons(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare("SELECT reason FROM ingest_issues ORDER BY rowid")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_far_future_date_is_a_recorded_issue_and_never_a_trend_month() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let dump = write(
        dir.path(),
        "m.jsonl",
        concat!(
            r#"{"id":"future/model","createdAt":"9999-12-31T23:59:59.000Z"}"#,
            "\n",
            r#"{"id":"early/model","createdAt":"1970-01-01"}"#,
            "\n",
            r#"{"id":"a/b","createdAt":"2022-01-05T00:00:00.000Z"}"#,
            "\n",
            r#"{"id":"a/c","createdAt":"2022-03-05T00:00:00.000Z"}"#,
            "\n",
        ),
    );
    ok(&hubscope(
        &db,
        &["ingest", "models", &dump, "--frame", "census"],
    ));
    let reasons = issue_reasons(&db);
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .all(|r| r.contains("createdAt: implausible date")),
        "{reasons:?}"
    );
    // The models are kept, undated.
    let out = hubscope(&db, &["trends", "uploads", "--format", "json"]);
    let stderr = ok(&out);
    assert!(
        stderr.contains("2 undated") || stderr.contains("2 without"),
        "{stderr}"
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let months: std::collections::BTreeSet<&str> =
        rows.iter().filter_map(|r| r["month"].as_str()).collect();
    assert_eq!(
        months.into_iter().collect::<Vec<_>>(),
        ["2022-01", "2022-02", "2022-03"]
    );

    // A store written before ingest refused such dates: the date is there, and still no
    // trend month, no abort.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE models SET created_at = '9999-12-31T23:59:59.000Z' WHERE id = 'future/model'",
        [],
    )
    .unwrap();
    drop(conn);
    for args in [
        &["trends", "uploads", "--format", "json"][..],
        &["trends", "docs", "--format", "json"][..],
    ] {
        let out = hubscope(&db, args);
        ok(&out);
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            rows.iter().all(|r| r["month"]
                .as_str()
                .is_none_or(|m| m == "all" || ("2022-01"..="2022-03").contains(&m))),
            "{args:?}: {rows:?}"
        );
    }
}

/// `hubscope --db DB ARGS…` with its address space limited to `bytes` (util-linux's prlimit,
/// part of every Debian system): an allocation beyond the bound fails the run.
fn hubscope_within(db: &Path, bytes: u64, args: &[&str]) -> std::process::Output {
    std::process::Command::new("prlimit")
        .arg(format!("--as={bytes}"))
        .arg(env!("CARGO_BIN_EXE_hubscope"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

const ONE_GIB: u64 = 1 << 30;

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Whatever dates a dump holds, a trend command stays within 1 GiB of address space and
    /// has at most one row per plausible month: its series never spans the dates. Both as
    /// ingested (implausible dates refused) and as an older store may hold them (written raw).
    #[test]
    fn no_dates_in_a_dump_make_a_trend_unbounded(
        dates in prop::collection::vec((1000u16..=9999, 1u8..=12, 1u8..=28), 1..25)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("p.db");
        let stamp = |(y, m, d): &(u16, u8, u8)| format!("{y:04}-{m:02}-{d:02}T00:00:00.000Z");
        let mut lines = String::new();
        for (i, date) in dates.iter().enumerate() {
            lines.push_str(&format!("{{\"id\":\"p/m{i}\",\"createdAt\":\"{}\"}}\n", stamp(date)));
        }
        let dump = write(dir.path(), "m.jsonl", &lines);
        ok(&hubscope(&db, &["ingest", "models", &dump, "--frame", "census"]));
        for raw in [false, true] {
            if raw {
                let conn = rusqlite::Connection::open(&db).unwrap();
                for (i, date) in dates.iter().enumerate() {
                    conn.execute(
                        "UPDATE models SET created_at = ?2 WHERE id = ?1",
                        [format!("p/m{i}"), stamp(date)],
                    )
                    .unwrap();
                }
            }
            for command in ["uploads", "docs"] {
                let out = hubscope_within(&db, ONE_GIB, &["trends", command, "--format", "json"]);
                ok(&out);
                let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
                // 2016-01 to next month: under 200 months for the next 60 years of this test.
                prop_assert!(rows.len() < 200 * 2, "{} rows", rows.len());
                prop_assert!(rows.iter().all(|r| r["month"]
                    .as_str()
                    .is_none_or(|m| m == "all" || m >= "2016-01")));
            }
        }
    }
}

#[test]
fn a_crawl_waiting_on_429s_still_prints_a_line_every_10_seconds() {
    use std::process::{Command, Stdio};

    use hubscope_testhub::raw::{RawServer, Reply};

    // Every answer is a 429 with no headers: the client waits 10 s each time.
    let server = RawServer::start(|_| Reply::Full {
        status: 429,
        headers: vec![],
        body: Vec::new(),
    });
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hubscope"))
        .arg("--db")
        .arg(dir.path().join("c.db"))
        .args(["crawl", "models"])
        .env("HF_ENDPOINT", server.url())
        .env_remove("HF_TOKEN")
        .env("HF_HOME", dir.path().join("hf-home"))
        .env_remove("HF_HUB_OFFLINE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Lines as they come; the first progress line is due 10 s in (30 s allowed on a busy
    // machine).
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut seen = Vec::new();
    let found = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line)
                if line.contains("waits on 429") && line.contains("rate-limited, resumes in") =>
            {
                break true;
            }
            Ok(line) => seen.push(line),
            Err(_) => break false,
        }
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(found, "no progress line while waiting: {seen:?}");
}

/// Runs `hubscope --db DB ARGS…`, killed if it has not ended within `secs` (a hang fails the
/// test instead of stalling the suite).
fn hubscope_within_secs(db: &Path, secs: u64, args: &[&str]) -> std::process::Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hubscope"))
        .arg("--db")
        .arg(db)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("hubscope {args:?} still running after {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn links_that_loop_in_a_folder_are_walked_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let forum = data.join("forum");
    std::fs::create_dir_all(&forum).unwrap();
    std::fs::write(
        forum.join("t-1.json"),
        r#"{"id":1,"title":"How to load a model?","category_id":5,"created_at":"2023-01-01T00:00:00.000Z","post_stream":{"posts":[{"id":10,"topic_id":1,"post_number":1,"raw":"It fails.","created_at":"2023-01-01T00:00:00.000Z"}],"stream":[10]}}"#,
    )
    .unwrap();
    std::os::unix::fs::symlink(".", forum.join("a")).unwrap();
    std::os::unix::fs::symlink(".", forum.join("b")).unwrap();
    std::fs::write(
        data.join("models.jsonl"),
        "{\"id\":\"a/b\",\"createdAt\":\"2023-01-05T00:00:00.000Z\"}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("..", forum.join("up")).unwrap();

    let db = dir.path().join("f.db");
    let out = hubscope_within_secs(&db, 60, &["ingest", "forum", forum.to_str().unwrap()]);
    let stderr = ok(&out);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let posts: i64 = conn
        .query_row("SELECT count(*) FROM forum_posts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(posts, 1, "{stderr}");
    drop(conn);

    let db = dir.path().join("s.db");
    let report = dir.path().join("report");
    let out = hubscope_within_secs(
        &db,
        120,
        &[
            "study",
            "--classify",
            "none",
            "--from",
            data.to_str().unwrap(),
            "--out",
            report.to_str().unwrap(),
        ],
    );
    let stderr = ok(&out);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (posts, models): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM forum_posts), (SELECT count(*) FROM models)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((posts, models), (1, 1), "{stderr}");
}

const POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/example.toml");

#[test]
fn audit_outputs_escape_author_controlled_values() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let line = serde_json::json!({
        "id": "evil/model",
        "createdAt": "2023-01-01T00:00:00.000Z",
        "sha": "ééééééééééééééé",
        "cardData": {
            "license": "<svg onload=alert(1)>",
            "base_model": "x/y\u{1b}[1A\u{1b}[2Khidden"
        }
    });
    let dump = write(dir.path(), "m.jsonl", &format!("{line}\n"));
    ok(&hubscope(&db, &["ingest", "models", &dump]));

    let md = hubscope(
        &db,
        &["audit", "--policy", POLICY, "--format", "md", "evil/model"],
    );
    let text = String::from_utf8(md.stdout).unwrap();
    assert!(text.contains("evil/model"), "{text}");
    // Only as escaped text (`\<svg`), which no Markdown renderer turns into an element.
    assert!(text.contains("\\<svg"), "{text}");
    assert!(!text.replace("\\<", "").contains("<svg"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");

    let table = hubscope(&db, &["audit", "--policy", POLICY, "evil/model"]);
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("FAIL evil/model @ éééééééééééé")
            || text.contains("PASS evil/model @ éééééééééééé"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "{text}");
    // Nothing panicked on the multi-byte sha.
    assert!(!String::from_utf8_lossy(&table.stderr).contains("panicked"));
}

#[test]
fn ids_that_are_not_utf8_are_issues_never_merged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("u.db");
    let path = dir.path().join("m.csv");
    std::fs::write(&path, b"id,downloads\nc/\xff,1\nc/\xfe,2\nc/ok,3\n").unwrap();
    let out = hubscope(&db, &["ingest", "models", path.to_str().unwrap()]);
    let stderr = ok(&out);
    assert!(stderr.contains("read 3, stored 1, updated 0"), "{stderr}");
    assert!(stderr.contains("skipped 2"), "{stderr}");
    let reasons = issue_reasons(&db);
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons.iter().all(|r| r.contains("not valid UTF-8")),
        "{reasons:?}"
    );
}

#[test]
fn a_bom_an_unclosed_quote_and_a_huge_number_are_named_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let jsonl = dir.path().join("m.jsonl");
    std::fs::write(
        &jsonl,
        b"\xEF\xBB\xBF{\"id\":\"bom/first\"}\n{\"id\":\"big/downloads\",\"downloads\":1e400}\n",
    )
    .unwrap();
    let stderr = ok(&hubscope(
        &db,
        &["ingest", "models", jsonl.to_str().unwrap()],
    ));
    assert!(stderr.contains("read 2, stored 2"), "{stderr}");
    assert!(
        issue_reasons(&db)
            .iter()
            .any(|r| r.contains("number out of range (1e400)")),
        "{stderr}"
    );

    let csv = dir.path().join("q.csv");
    std::fs::write(&csv, "id,likes\nq/one,1\n\"q/two,2\nq/three,3\nq/four,4\n").unwrap();
    let stderr = ok(&hubscope(&db, &["ingest", "models", csv.to_str().unwrap()]));
    assert!(stderr.contains("unclosed quote"), "{stderr}");
    assert!(
        issue_reasons(&db)
            .iter()
            .any(|r| r.contains("unclosed quote at line 3")),
        "{:?}",
        issue_reasons(&db)
    );

    let forum = dir.path().join("forum");
    std::fs::create_dir(&forum).unwrap();
    let mut topic = b"\xEF\xBB\xBF".to_vec();
    topic.extend_from_slice(br#"{"id":1,"title":"t","post_stream":{"posts":[{"id":10,"topic_id":1,"post_number":1,"raw":"x","created_at":"2023-01-01T00:00:00.000Z"}],"stream":[10]}}"#);
    std::fs::write(forum.join("t.json"), topic).unwrap();
    let stderr = ok(&hubscope(
        &db,
        &["ingest", "forum", forum.to_str().unwrap()],
    ));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let posts: i64 = conn
        .query_row("SELECT count(*) FROM forum_posts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(posts, 1, "{stderr}");
}

/// Runs a shell script in a new user and mount namespace (util-linux's unshare), where the
/// test may mount a folder read-only without being root. `None` where the kernel refuses
/// user namespaces (the test then says so and checks nothing it cannot).
fn in_namespace(script: &str) -> Option<std::process::Output> {
    let probe = std::process::Command::new("unshare")
        .args(["-rm", "true"])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("user namespaces are not available here: the read-only mount is not tested");
        return None;
    }
    Some(
        std::process::Command::new("unshare")
            .args(["-rm", "sh", "-c", script])
            .output()
            .unwrap(),
    )
}

#[test]
fn a_database_on_a_read_only_file_system_can_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let db = ro.join("r.db");
    let dump = write(
        dir.path(),
        "m.jsonl",
        "{\"id\":\"a/b\",\"createdAt\":\"2022-01-05T00:00:00.000Z\",\"cardData\":{\"license\":\"mit\"}}\n",
    );
    ok(&hubscope(
        &db,
        &["ingest", "models", &dump, "--frame", "census"],
    ));
    let bin = env!("CARGO_BIN_EXE_hubscope");
    let out_dir = dir.path().join("out");
    let script = format!(
        "set -e; mount --bind '{ro}' '{ro}'; mount -o remount,ro,bind '{ro}'; \
         for args in 'db stats' 'trends uploads' 'trends docs' 'sources' \
                     'audit --policy {policy} a/b' 'export --out {out}' 'report --out {out}/report'; do \
           set +e; '{bin}' --db '{db}' $args > /dev/null 2> '{out}.err'; rc=$?; set -e; \
           if [ $rc -gt 1 ]; then echo \"FAILED: $args ($rc)\"; cat '{out}.err'; fi; \
         done; \
         set +e; '{bin}' --db '{db}' ingest models '{dump}' 2>&1; echo \"ingest rc=$?\"",
        ro = ro.display(),
        db = db.display(),
        out = out_dir.display(),
        policy = POLICY,
    );
    std::fs::create_dir(&out_dir).unwrap();
    let Some(output) = in_namespace(&script) else {
        return;
    };
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(!text.contains("FAILED"), "{text}");
    assert!(text.contains("is read-only"), "{text}");
    assert!(text.contains("ingest rc=2"), "{text}");
}

#[test]
fn a_full_disk_leaves_no_partial_output() {
    let dir = tempfile::tempdir().unwrap();
    let cards = dir.path().join("cards");
    std::fs::create_dir(&cards).unwrap();
    for i in 0..40 {
        let text = format!(
            "---\nlicense: mit\n---\n# Model {i}\n\n{}\n",
            "words ".repeat(2000)
        );
        std::fs::write(cards.join(format!("m{i}.md")), text).unwrap();
    }
    let db = dir.path().join("e.db");
    let dump = write(
        dir.path(),
        "m.jsonl",
        &(0..3000)
            .map(|i| format!("{{\"id\":\"o/m{i}\",\"createdAt\":\"2022-01-05T00:00:00.000Z\",\"tags\":[\"{}\"]}}\n", "t".repeat(200)))
            .collect::<String>(),
    );
    ok(&hubscope(&db, &["ingest", "models", &dump]));
    let full = dir.path().join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("keep.json"), "old").unwrap();
    let bin = env!("CARGO_BIN_EXE_hubscope");
    let script = format!(
        "mount -t tmpfs -o size=48k tmpfs '{full}' && echo old > '{full}/keep.json'; \
         '{bin}' card '{cards}' --format json -o '{full}/keep.json'; echo \"card rc=$?\"; \
         '{bin}' --db '{db}' export --out '{full}/export'; echo \"export rc=$?\"; \
         echo files:; ls -A '{full}' '{full}/export' 2>/dev/null; echo keep:; cat '{full}/keep.json'",
        full = full.display(),
        cards = cards.display(),
        db = db.display(),
    );
    let Some(output) = in_namespace(&script) else {
        return;
    };
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let err = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(text.contains("card rc=2"), "{text}{err}");
    assert!(err.contains("No space left"), "{text}{err}");
    assert!(!text.contains("export rc=0"), "{text}{err}");
    // The earlier file is intact, and nothing temporary is left.
    let after_keep = text.split("keep:").nth(1).unwrap_or("");
    assert_eq!(after_keep.trim(), "old", "{text}{err}");
    assert!(!text.contains(".tmp-"), "{text}{err}");
}

/// 300 cards of about 27 KB each (8 MB with their text kept), in `dir/cards`.
fn cards_larger_than_a_small_disk(dir: &Path) -> PathBuf {
    let cards = dir.join("cards");
    std::fs::create_dir(&cards).unwrap();
    for i in 0..300 {
        let words: String = (0..3000).map(|j| format!("word{j} ")).collect();
        let text = format!("---\nlicense: mit\n---\n# Model {i}\n\n{words}\n");
        std::fs::write(cards.join(format!("m{i}.md")), text).unwrap();
    }
    cards
}

/// Ingests `cards` into a database on a tmpfs of `size`, then prints `db stats`.
fn ingest_on_a_small_disk(dir: &Path, cards: &Path, size: &str) -> Option<(String, String)> {
    let full = dir.join(format!("full-{size}"));
    std::fs::create_dir(&full).unwrap();
    let bin = env!("CARGO_BIN_EXE_hubscope");
    let script = format!(
        "mount -t tmpfs -o size={size} tmpfs '{full}' && \
         '{bin}' --db '{full}/h.db' ingest cards '{cards}' --keep-text; echo \"ingest rc=$?\"; \
         '{bin}' --db '{full}/h.db' db stats; ls -l '{full}'",
        full = full.display(),
        cards = cards.display(),
    );
    let output = in_namespace(&script)?;
    Some((
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    ))
}

#[test]
fn an_ingest_that_fills_the_disk_is_marked_failed() {
    // Before: the run stayed `running` (the last commit failed, then marking it failed did too,
    // and did so by chance: on a disk left with a few pages, about one run in five).
    let dir = tempfile::tempdir().unwrap();
    let cards = cards_larger_than_a_small_disk(dir.path());
    // The empty schema takes about 2.8 MB (64 KiB pages) and the reserve 1 MiB: 6 MB leaves
    // room to begin, and the cards fill the rest.
    let Some((text, err)) = ingest_on_a_small_disk(dir.path(), &cards, "6m") else {
        return;
    };
    assert!(text.contains("ingest rc=2"), "{text}{err}");
    assert!(err.contains("database or disk is full"), "{err}");
    // Said once, not three times over.
    assert_eq!(err.matches("disk is full").count(), 1, "{err}");
    let run = text
        .lines()
        .find(|l| l.trim_start().starts_with("run    1"))
        .unwrap_or_else(|| panic!("{text}{err}"));
    assert!(run.contains("failed"), "{run}");
    // The reserve is given back.
    let lock = text
        .lines()
        .find(|l| l.ends_with("h.db.ingest.lock"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(lock.contains(" 0 "), "{lock}");
}

#[test]
fn an_ingest_on_a_disk_without_room_to_begin_is_refused_and_logs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cards = cards_larger_than_a_small_disk(dir.path());
    // Room for the schema, not for the reserve as well.
    let Some((text, err)) = ingest_on_a_small_disk(dir.path(), &cards, "3m") else {
        return;
    };
    assert!(text.contains("ingest rc=2"), "{text}{err}");
    assert!(err.contains("h.db is full"), "{err}");
    assert!(err.contains("sets 1 MiB aside"), "{err}");
    // No run was begun, so none is left `running`.
    assert!(!text.contains("running"), "{text}");
}

#[test]
fn cards_of_millions_of_headings_stay_within_a_small_multiple_of_their_size() {
    // Four 16 MB cards of `## H` lines: 945 MB each and 2.6 GB for the folder, before.
    let dir = tempfile::tempdir().unwrap();
    let cards = dir.path().join("cards");
    std::fs::create_dir(&cards).unwrap();
    let card = "## H\n".repeat((16 << 20) / 5 - 10);
    for i in 0..4 {
        std::fs::write(cards.join(format!("c{i}.md")), &card).unwrap();
    }
    let limit = 512 << 20;
    let out = hubscope_within(
        &dir.path().join("unused.db"),
        limit,
        &[
            "card",
            cards.to_str().unwrap(),
            "--jobs",
            "4",
            "--format",
            "json",
        ],
    );
    let stderr = ok(&out);
    assert!(stderr.contains("4 cards, 4 analysed"), "{stderr}");
    let records: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(records[0]["signals"]["headings"], (16 << 20) / 5 - 10);
    let db = dir.path().join("c.db");
    let stderr = ok(&hubscope_within(
        &db,
        limit,
        &["ingest", "cards", cards.to_str().unwrap()],
    ));
    assert!(stderr.contains("read 4, stored 4"), "{stderr}");
}
