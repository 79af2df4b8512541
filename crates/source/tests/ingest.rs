//! The ingest operations on small dumps written here: what they count, what they store, what
//! they tell their watcher, and a card's model id from its path.

use std::cell::RefCell;

use hubscope_source::ingest::{self, CardsIngest, IngestError, ModelsIngest, Quiet, Unit, Watch};
use hubscope_store::{FrameDeclaration, Store};

#[derive(Default)]
struct Seen(RefCell<Vec<String>>);

impl Watch for Seen {
    fn begin(&self, total: u64, unit: Unit) {
        self.0.borrow_mut().push(format!("begin {total} {unit:?}"));
    }
    fn at(&self, position: u64) {
        self.0.borrow_mut().push(format!("at {position}"));
    }
    fn end(&self) {
        self.0.borrow_mut().push("end".into());
    }
}

#[test]
fn a_models_dump_is_counted_stored_and_watched() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("models.jsonl");
    let text = "{\"id\":\"a/one\",\"createdAt\":\"2022-01-02T00:00:00.000Z\",\"downloads\":3}\n\
                not json\n\
                {\"id\":\"b/two\",\"createdAt\":\"2022-02-03T00:00:00.000Z\"}\n";
    std::fs::write(&file, text).unwrap();
    let mut store = Store::open(dir.path().join("hub.db")).unwrap();
    let seen = Seen::default();
    let job = ModelsIngest::new(&file, FrameDeclaration::undeclared());
    let report = ingest::ingest_models(&mut store, &job, &seen).unwrap();
    assert_eq!(report.counts.read, 3);
    assert_eq!(report.counts.stored, 2);
    assert_eq!(report.counts.skipped, 1);
    let n: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM models", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
    let seen = seen.0.into_inner();
    assert_eq!(
        seen.first().unwrap(),
        &format!("begin {} Bytes", text.len())
    );
    assert_eq!(seen.last().unwrap(), "end");
    assert!(seen.contains(&format!("at {}", text.len())), "{seen:?}");

    // The same dump again changes nothing.
    let again = ingest::ingest_models(&mut store, &job, &Quiet).unwrap();
    assert_eq!((again.counts.stored, again.counts.unchanged), (0, 2));
}

#[test]
fn cards_in_folders_belong_to_the_model_of_their_path() {
    let dir = tempfile::tempdir().unwrap();
    let cards = dir.path().join("cards");
    std::fs::create_dir_all(cards.join("org/model")).unwrap();
    std::fs::write(cards.join("org/model/README.md"), "# Model\n\nA card.\n").unwrap();
    std::fs::create_dir_all(cards.join("notes")).unwrap();
    std::fs::write(cards.join("notes/x.md"), "# X\n").unwrap();
    let mut store = Store::open(dir.path().join("hub.db")).unwrap();
    let report = ingest::ingest_cards(&mut store, &CardsIngest::new(vec![cards]), &Quiet).unwrap();
    assert_eq!((report.counts.read, report.counts.stored), (2, 2));
    let mut ids: Vec<String> = store
        .connection()
        .prepare("SELECT DISTINCT model_id FROM cards ORDER BY 1")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    ids.sort();
    assert_eq!(ids, ["notes/x", "org/model"]);
}

#[test]
fn a_file_where_a_forum_folder_belongs_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("forum.json");
    std::fs::write(&file, "{}").unwrap();
    let mut store = Store::open(dir.path().join("hub.db")).unwrap();
    let err = ingest::ingest_forum(&mut store, &file, FrameDeclaration::undeclared()).unwrap_err();
    assert!(matches!(err, IngestError::Source(_)), "{err:?}");
    assert!(err.to_string().contains("forum.json"), "{err}");
    assert!(err.to_string().contains("not a folder"), "{err}");
}
