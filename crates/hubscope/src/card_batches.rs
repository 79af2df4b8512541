//! Reading cards on a thread of their own, in bounded batches, for the commands that analyse
//! them (`card`, `ingest cards`).

use std::sync::mpsc;

use hubscope_source::SourceError;
use hubscope_source::cards::{CardItem, CardItems, CardSource};

/// Cards per batch, and the most bytes of card text a batch may hold.
pub const BATCH_CARDS: usize = 512;
pub const BATCH_BYTES: usize = 16 << 20;

/// Reads cards on a thread of their own, in batches of at most [`BATCH_CARDS`] cards or
/// [`BATCH_BYTES`] bytes; the reader runs ahead by at most two batches. A read failure ends the
/// stream with an `Err`.
pub fn spawn_card_reader(
    sources: Vec<CardSource>,
    max_card_bytes: usize,
) -> (
    mpsc::Receiver<Result<Vec<CardItem>, SourceError>>,
    std::thread::JoinHandle<()>,
) {
    let (tx, rx) = mpsc::sync_channel(2);
    let reader = std::thread::spawn(move || {
        let mut items = CardItems::new(sources, max_card_bytes);
        loop {
            let mut batch = Vec::new();
            let mut bytes = 0usize;
            while batch.len() < BATCH_CARDS && bytes < BATCH_BYTES {
                match items.next_item() {
                    Ok(Some(item)) => {
                        bytes += item.text.as_ref().map_or(0, Vec::len);
                        batch.push(item);
                    }
                    Ok(None) => break,
                    Err(err) => {
                        if !batch.is_empty() {
                            let _ = tx.send(Ok(std::mem::take(&mut batch)));
                        }
                        let _ = tx.send(Err(err));
                        return;
                    }
                }
            }
            if batch.is_empty() || tx.send(Ok(batch)).is_err() {
                return;
            }
        }
    });
    (rx, reader)
}
