//! Makes a large model dump for benchmarks from a real one: the real rows, repeated with new ids
//! (`<id>~<copy>`), until `ROWS` rows. The output layout is the input's (Parquet or JSON Lines).
//! With `--spread-dates FROM TO` (Parquet), creation times are spread evenly and
//! deterministically over `[FROM, TO)` instead of repeating the originals.
//!
//! ```sh
//! cargo run --release -p hubscope-source --example replicate_models -- \
//!     ../shared/data/hub/liang-2022-model-info.parquet /tmp/liang-2m.parquet 2000000 \
//!     --spread-dates 2017-01-01 2027-01-01
//! ```
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufWriter, Write};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, RecordBatch, StringArray, TimestampMicrosecondArray};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (input, output, rows, spread) = match args.as_slice() {
        [_, input, output, rows] => (input, output, rows, None),
        [_, input, output, rows, flag, from, to] if flag == "--spread-dates" => {
            let day = |d: &str| {
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap()
                    .and_utc()
                    .timestamp_micros()
            };
            (input, output, rows, Some((day(from), day(to))))
        }
        _ => {
            eprintln!("usage: replicate_models INPUT OUTPUT ROWS [--spread-dates FROM TO]");
            std::process::exit(2);
        }
    };
    let rows: usize = rows.parse().unwrap();
    if input.ends_with(".parquet") {
        parquet(input, output, rows, spread);
    } else {
        jsonl(input, output, rows);
    }
}

fn parquet(input: &str, output: &str, rows: usize, spread: Option<(i64, i64)>) {
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(input).unwrap()).unwrap();
    let schema = reader.schema().clone();
    let batches: Vec<RecordBatch> = reader.build().unwrap().map(Result::unwrap).collect();
    let id_index = schema
        .fields()
        .iter()
        .position(|f| f.name() == "modelId" || f.name() == "id")
        .unwrap();
    let time_index = schema
        .fields()
        .iter()
        .position(|f| f.name() == "creation_time" || f.name() == "createdAt");
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(output).unwrap(), schema.clone(), None).unwrap();
    let mut written = 0;
    'copies: for copy in 0.. {
        for batch in &batches {
            let take = batch.num_rows().min(rows - written);
            let batch = batch.slice(0, take);
            let ids = batch.column(id_index).as_string::<i32>();
            let new_ids: StringArray = ids
                .iter()
                .map(|id| id.map(|id| format!("{id}~{copy}")))
                .collect();
            let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
            columns[id_index] = Arc::new(new_ids);
            if let (Some((from, to)), Some(t)) = (spread, time_index) {
                // Row k of the output at from + frac(k·φ)·(to − from): even, deterministic.
                let span = (to - from) as f64;
                let times: Vec<i64> = (written..written + take)
                    .map(|k| from + ((k as f64 * 0.618_033_988_749_895).fract() * span) as i64)
                    .collect();
                columns[t] = Arc::new(TimestampMicrosecondArray::from(times).with_timezone("UTC"));
            }
            writer
                .write(&RecordBatch::try_new(schema.clone(), columns).unwrap())
                .unwrap();
            written += take;
            if written == rows {
                break 'copies;
            }
        }
    }
    writer.close().unwrap();
    eprintln!("{written} rows written to {output}");
}

fn jsonl(input: &str, output: &str, rows: usize) {
    let lines: Vec<serde_json::Value> =
        std::io::BufReader::new(std::fs::File::open(input).unwrap())
            .lines()
            .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
            .collect();
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(output).unwrap());
    let mut written = 0;
    'copies: for copy in 0.. {
        for line in &lines {
            let mut v = line.clone();
            let id = format!("{}~{copy}", v["id"].as_str().unwrap());
            v["id"] = serde_json::Value::String(id);
            serde_json::to_writer(&mut out, &v).unwrap();
            out.write_all(b"\n").unwrap();
            written += 1;
            if written == rows {
                break 'copies;
            }
        }
    }
    out.flush().unwrap();
    eprintln!("{written} rows written to {output}");
}
