//! The models' snapshot on the real data: read back, it is the models derived from the tables,
//! field for field; any change to the store makes the next load read the tables again.
#![allow(clippy::unwrap_used)]

use hubscope_mentions::FamilyTable;
use hubscope_source::ModelReader;
use hubscope_store::{Frame, FrameDeclaration, IngestKind, SourceInfo, Store};
use hubscope_trends::{Keep, Models, Origin, load_with_families};

fn ingest(store: &mut Store, file: &str, frame: Frame) {
    let info = SourceInfo::new(file, "test").frame(FrameDeclaration::by_user(frame, None));
    let mut session = store.begin_ingest(IngestKind::Models, &info).unwrap();
    let mut reader = ModelReader::open(&hubscope_corpus::path(file), 10_000).unwrap();
    while let Some(batch) = reader.next_batch().unwrap() {
        session.write_models(batch).unwrap();
    }
    session.finish().unwrap();
}

fn same(a: &Models, b: &Models) {
    assert_eq!(a.models, b.models);
    assert_eq!(a.source_sets, b.source_sets);
    for (x, y) in [
        (&a.pipelines, &b.pipelines),
        (&a.libraries, &b.libraries),
        (&a.authors, &b.authors),
    ] {
        assert_eq!(x.len(), y.len());
        assert!((0..x.len() as u32).all(|i| x.get(i) == y.get(i)));
    }
}

#[test]
fn the_snapshot_reads_back_as_the_tables_and_goes_stale_on_any_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut store = Store::open(&path).unwrap();
    ingest(
        &mut store,
        "hub/liang-2022-model-info.parquet",
        Frame::Census,
    );
    ingest(&mut store, "hub/models.jsonl", Frame::Sample);
    let reader = Store::open_read_only(&path).unwrap();
    // Never: nothing is kept, the tables are read each time.
    let tables = Models::load(&reader, Keep::Never).unwrap();
    assert!(matches!(
        tables.origin,
        Origin::Tables {
            kept: Ok(false),
            ..
        }
    ));
    assert!(tables.models.len() > 74_000);
    let again = Models::load(&reader, Keep::IfWritable).unwrap();
    assert!(matches!(
        again.origin,
        Origin::Tables { kept: Ok(true), .. }
    ));
    let snap = Models::load(&reader, Keep::IfWritable).unwrap();
    assert!(matches!(snap.origin, Origin::Snapshot { .. }));
    same(&tables, &snap);
    let (with_families, families) =
        load_with_families(&reader, FamilyTable::builtin(), Keep::Never).unwrap();
    assert!(matches!(with_families.origin, Origin::Snapshot { .. }));
    assert_eq!(families.ids.len(), snap.models.len());
    // A change made outside hubscope: the snapshot is not used, and the change is seen.
    let first = families.ids[0].to_string();
    store
        .connection()
        .execute(
            "UPDATE models SET pipeline_tag = 'changed-by-hand' WHERE id = ?1",
            [&first],
        )
        .unwrap();
    let after = Models::load(&reader, Keep::Never).unwrap();
    assert!(matches!(after.origin, Origin::Tables { .. }));
    let p = after.models[0].pipeline.unwrap();
    assert_eq!(after.pipelines.get(p), "changed-by-hand");
}

#[test]
fn a_snapshot_that_does_not_decode_is_rebuilt_from_the_tables() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.db");
    let mut store = Store::open(&path).unwrap();
    ingest(&mut store, "hub/models.jsonl", Frame::Sample);
    let tables = Models::load(&store, Keep::IfWritable).unwrap();
    let generation = store.model_generation().unwrap();
    let good = store
        .snapshot("trends.models/1", generation)
        .unwrap()
        .unwrap();
    // Bytes with a valid checksum that are no snapshot: cut short anywhere, too long, noise,
    // and counts that claim more than there is.
    let mut damaged: Vec<Vec<u8>> = (0..good.len())
        .step_by(good.len() / 97 + 1)
        .map(|n| good[..n].to_vec())
        .collect();
    damaged.push([good.as_slice(), b"x"].concat());
    damaged.push((0..4096).map(|i| (i * 37 % 251) as u8).collect());
    damaged.push([u64::MAX.to_le_bytes().as_slice(), &good[8..]].concat());
    damaged.push([&good[..8], u32::MAX.to_le_bytes().as_slice(), &good[12..]].concat());
    for bytes in &damaged {
        assert!(
            store
                .keep_snapshot("trends.models/1", generation, bytes)
                .unwrap()
        );
        let models = Models::load(&store, Keep::Never).unwrap();
        assert!(
            matches!(models.origin, Origin::Tables { .. }),
            "{} bytes of {} were taken for a snapshot",
            bytes.len(),
            good.len()
        );
        same(&models, &tables);
    }
    // Read from the tables, a good snapshot is kept again.
    let rebuilt = Models::load(&store, Keep::IfWritable).unwrap();
    assert!(matches!(
        rebuilt.origin,
        Origin::Tables { kept: Ok(true), .. }
    ));
    assert_eq!(
        store
            .snapshot("trends.models/1", generation)
            .unwrap()
            .unwrap(),
        good
    );
}
