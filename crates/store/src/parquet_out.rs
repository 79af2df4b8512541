//! The one way hubscope writes Parquet: the store's export and every table (`--format parquet`,
//! the report's frames) open their writer here, with the same compression and row-group bounds.

use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;

/// How hard to compress (zstd).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// Level 1: the export of millions of rows, where time matters more than a few bytes.
    Fast,
    /// Level 3: small tables.
    Small,
}

/// An Arrow → Parquet writer over `sink`: zstd, row groups of at most 2^20 rows and 128 MiB
/// (wide rows would otherwise hold a whole row group in memory until flushed).
pub fn parquet_writer<W: std::io::Write + Send>(
    sink: W,
    schema: SchemaRef,
    packing: Packing,
) -> Result<ArrowWriter<W>, ParquetError> {
    let level = ZstdLevel::try_new(match packing {
        Packing::Fast => 1,
        Packing::Small => 3,
    })?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_row_count(Some(1 << 20))
        .set_max_row_group_bytes(Some(128 << 20))
        .build();
    ArrowWriter::try_new(sink, schema, Some(props))
}
