//! A log: an append-only file of JSON entries in the journal's checksummed frames (`frame.rs`).
//! Each append is written and synced before it returns; opening reads every complete entry
//! back, cuts a torn tail (what a power cut mid-append leaves) and refuses rot with
//! [`StoreError::Corrupt`] naming the byte. A terminal's queue of offline operations is one
//! (`loyalty-terminal`).

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::frame::{frame, scan};
use crate::{on, sync_dir, StoreError};

/// An append-only log of `T`s on disk.
#[derive(Debug)]
pub struct Log<T> {
    path: PathBuf,
    file: File,
    len: u64,
    entries: PhantomData<T>,
}

impl<T: Serialize + DeserializeOwned> Log<T> {
    /// Opens the log at `path` (creating it, and syncing its directory, when it does not
    /// exist) and reads its entries back, in order. A torn tail is cut off; damage before it is
    /// `Corrupt`, and nothing is written then.
    pub fn open(path: &Path) -> Result<(Log<T>, Vec<T>), StoreError> {
        let created = !path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(on(path))?;
        if created {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                sync_dir(dir)?;
            }
        }
        let len = file.metadata().map_err(on(path))?.len();
        let found = scan::<T>(BufReader::new(&mut file), len, path)?;
        let good = found.good_len();
        if good < len {
            file.set_len(good).map_err(on(path))?;
            file.sync_all().map_err(on(path))?;
        }
        let log = Log {
            path: path.to_owned(),
            file,
            len: good,
            entries: PhantomData,
        };
        Ok((log, found.records))
    }

    /// Appends `entry`, durable when this returns. On failure the entry's bytes are cut off
    /// again (best effort) and the error returned: nothing was acknowledged.
    pub fn append(&mut self, entry: &T) -> Result<(), StoreError> {
        let payload = serde_json::to_vec(entry).map_err(|e| StoreError::Io {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        let bytes = frame(&payload);
        let written = self
            .file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            let _ = self.file.set_len(self.len);
            return Err(StoreError::Io {
                path: self.path.clone(),
                source: e,
            });
        }
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("loyalty-log-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn entries_come_back_in_order_and_a_torn_tail_is_cut() {
        let dir = scratch("torn");
        let path = dir.join("queue.log");
        let (mut log, found) = Log::<Vec<u32>>::open(&path).unwrap();
        assert!(found.is_empty());
        log.append(&vec![1, 2]).unwrap();
        log.append(&vec![3]).unwrap();
        drop(log);
        let full = std::fs::read(&path).unwrap();
        // A power cut inside the second entry: the first one survives, the rest is cut.
        std::fs::write(&path, &full[..full.len() - 2]).unwrap();
        let (mut log, found) = Log::<Vec<u32>>::open(&path).unwrap();
        assert_eq!(found, vec![vec![1, 2]]);
        log.append(&vec![4]).unwrap();
        let (_, found) = Log::<Vec<u32>>::open(&path).unwrap();
        assert_eq!(found, vec![vec![1, 2], vec![4]]);
        // Rot in a complete entry is an error naming the file, and changes nothing.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[14] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        let err = Log::<Vec<u32>>::open(&path).unwrap_err();
        assert!(
            err.is_corruption() && err.to_string().contains("queue.log"),
            "{err}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
