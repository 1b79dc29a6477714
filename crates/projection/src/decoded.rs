//! Decoded rows kept in memory for the queries that read the same rows again and again (the
//! work queue, the case list): each entry holds the row's bytes beside its decoded value, and
//! a read answers from it only when the row it just read has exactly those bytes, so the
//! cache can never answer with a row that has changed, whatever wrote it. Bounded: when full
//! it starts again empty.

use std::collections::HashMap;
use std::sync::Mutex;

/// At most this many rows are kept (a summary row is about half a kilobyte, decoded about as
/// much again: a few megabytes).
const CAPACITY: usize = 8_192;

/// Decoded values of rows, by key.
#[derive(Debug)]
pub struct Decoded<T> {
    rows: Mutex<HashMap<Vec<u8>, (sled::IVec, T)>>,
}

impl<T> Default for Decoded<T> {
    fn default() -> Self {
        Decoded {
            rows: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Clone> Decoded<T> {
    /// The value of the row `key` whose bytes are `bytes`: the kept one when it was decoded
    /// from exactly these bytes, else `decode(bytes)` (kept for the next read when it decodes).
    pub fn get<E>(
        &self,
        key: &[u8],
        bytes: &sled::IVec,
        decode: impl FnOnce(&[u8]) -> Result<T, E>,
    ) -> Result<T, E> {
        if let Some((kept, value)) = self.lock().get(key) {
            if kept == bytes {
                return Ok(value.clone());
            }
        }
        let value = decode(bytes)?;
        let mut rows = self.lock();
        if rows.len() >= CAPACITY {
            rows.clear();
        }
        rows.insert(key.to_vec(), (bytes.clone(), value.clone()));
        Ok(value)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, (sled::IVec, T)>> {
        // A panic while holding the lock leaves whole entries only: the map stays usable.
        self.rows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_changed_row_is_decoded_again_and_an_unchanged_one_is_not() {
        let cache = Decoded::<String>::default();
        let mut decodes = 0;
        let mut read = |bytes: &[u8]| {
            cache
                .get(b"k", &sled::IVec::from(bytes), |b| {
                    decodes += 1;
                    String::from_utf8(b.to_vec())
                })
                .unwrap()
        };
        assert_eq!(read(b"one"), "one");
        assert_eq!(read(b"one"), "one");
        assert_eq!(read(b"two"), "two", "new bytes, new value");
        assert_eq!(read(b"one"), "one", "and back");
        assert_eq!(decodes, 3);
    }

    #[test]
    fn a_row_that_does_not_decode_is_an_error_and_not_kept() {
        let cache = Decoded::<String>::default();
        let bad = sled::IVec::from(&[0xff, 0xfe][..]);
        assert!(cache
            .get(b"k", &bad, |b| String::from_utf8(b.to_vec()))
            .is_err());
        assert!(cache.lock().is_empty());
    }

    #[test]
    fn it_stays_bounded() {
        let cache = Decoded::<u64>::default();
        for i in 0..(CAPACITY as u64 * 2 + 5) {
            let key = i.to_be_bytes();
            let got: Result<u64, ()> = cache.get(&key, &sled::IVec::from(&key[..]), |_| Ok(i));
            assert_eq!(got, Ok(i));
            assert!(cache.lock().len() <= CAPACITY);
        }
    }
}
