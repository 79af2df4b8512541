//! Sentence vectors kept by text and encoder (`embeddings`, migration 8): a classification run
//! looks its texts up first and embeds only the ones not found.

use std::collections::HashMap;

use rusqlite::params;

use crate::{Store, StoreError};

/// The SHA-1 of a text, as the cache keys it.
pub fn text_key(text: &str) -> [u8; 20] {
    sha1_smol::Sha1::from(text.as_bytes()).digest().bytes()
}

/// Texts looked up per statement (SQLite binds at most 32,766 parameters).
const LOOKUP_CHUNK: usize = 500;

impl Store {
    /// The stored vectors of `encoder` for these text keys, by key; a key without one is
    /// absent, and so is a stored vector whose length is not `dimension` (it is embedded again).
    pub fn cached_embeddings(
        &self,
        encoder: &str,
        keys: &[[u8; 20]],
        dimension: usize,
    ) -> Result<HashMap<[u8; 20], Vec<f32>>, StoreError> {
        let mut found = HashMap::new();
        for chunk in keys.chunks(LOOKUP_CHUNK) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let mut statement = self.conn.prepare_cached(&format!(
                "SELECT text_sha1, vector FROM embeddings WHERE encoder = ? AND text_sha1 IN ({marks})"
            ))?;
            let mut values: Vec<&dyn rusqlite::ToSql> = vec![&encoder];
            values.extend(chunk.iter().map(|k| k as &dyn rusqlite::ToSql));
            let mut rows = statement.query(values.as_slice())?;
            while let Some(row) = rows.next()? {
                let key: Vec<u8> = row.get(0)?;
                let bytes: Vec<u8> = row.get(1)?;
                let (Ok(key), true) = (<[u8; 20]>::try_from(key), bytes.len() == dimension * 4)
                else {
                    continue;
                };
                let vector = bytes
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                found.insert(key, vector);
            }
        }
        Ok(found)
    }

    /// Keeps vectors of `encoder`, in one transaction (a vector already kept is replaced).
    pub fn keep_embeddings(
        &mut self,
        encoder: &str,
        vectors: &[([u8; 20], &[f32])],
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR REPLACE INTO embeddings (encoder, text_sha1, vector) VALUES (?1, ?2, ?3)",
            )?;
            let mut bytes = Vec::new();
            for (key, vector) in vectors {
                bytes.clear();
                bytes.extend(vector.iter().flat_map(|x| x.to_le_bytes()));
                insert.execute(params![encoder, &key[..], bytes])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn vectors_are_found_by_encoder_and_text_and_a_wrong_length_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("e.db")).unwrap();
        let (a, b, c) = (text_key("first"), text_key("second"), text_key("third"));
        store
            .keep_embeddings("m@1/32", &[(a, &[1.0, -2.5][..]), (b, &[0.25, 3.0][..])])
            .unwrap();
        store
            .keep_embeddings("m@2/32", &[(c, &[9.0, 9.0][..])])
            .unwrap();
        let found = store.cached_embeddings("m@1/32", &[a, b, c], 2).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[&a], vec![1.0, -2.5]);
        assert_eq!(found[&b], vec![0.25, 3.0]);
        // Another encoder's vectors, or vectors of another length, are not this one's.
        assert!(
            store
                .cached_embeddings("m@2/32", &[a], 2)
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .cached_embeddings("m@1/32", &[a], 3)
                .unwrap()
                .is_empty()
        );
        // Many keys at once (more than one statement's worth).
        let keys: Vec<[u8; 20]> = (0..1200).map(|i| text_key(&i.to_string())).collect();
        let vectors: Vec<([u8; 20], Vec<f32>)> = keys
            .iter()
            .map(|k| (*k, vec![f32::from(k[0]), 0.5]))
            .collect();
        let refs: Vec<([u8; 20], &[f32])> = vectors.iter().map(|(k, v)| (*k, &v[..])).collect();
        store.keep_embeddings("m@1/32", &refs).unwrap();
        let found = store.cached_embeddings("m@1/32", &keys, 2).unwrap();
        assert_eq!(found.len(), 1200);
        assert_eq!(found[&keys[7]], vec![f32::from(keys[7][0]), 0.5]);
    }
}
