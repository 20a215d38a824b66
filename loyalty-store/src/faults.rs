//! Injected faults for the store's own tests: a disk with little room left, an `fsync` that
//! fails. Per thread, so that tests running in parallel do not see each other's faults.

use std::cell::Cell;

thread_local! {
    static ROOM: Cell<Option<usize>> = const { Cell::new(None) };
    static SYNC_FAILS: Cell<bool> = const { Cell::new(false) };
}

/// From now on, writes may add at most `bytes` more bytes to the disk (`None`: no limit).
pub fn set_room(bytes: Option<usize>) {
    ROOM.with(|r| r.set(bytes));
}

/// Makes every `fsync` of the journal fail (or succeed again).
pub fn set_sync_fails(fails: bool) {
    SYNC_FAILS.with(|s| s.set(fails));
}

/// `None` when a write of `len` bytes fits; else how many of them fit before the disk is full.
pub fn room_for(len: usize) -> Option<usize> {
    ROOM.with(|r| {
        let room = r.get()?;
        if len <= room {
            r.set(Some(room - len));
            None
        } else {
            r.set(Some(0));
            Some(room)
        }
    })
}

pub fn sync_fails() -> bool {
    SYNC_FAILS.with(Cell::get)
}

thread_local! {
    static DIR_SYNCS: std::cell::RefCell<Vec<(std::path::PathBuf, bool)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Notes an `fsync` of `dir`, and whether its journal existed then.
pub fn note_dir_sync(dir: &std::path::Path) {
    let journal = dir.join("journal.log").exists();
    DIR_SYNCS.with(|d| d.borrow_mut().push((dir.to_owned(), journal)));
}

/// Every directory `fsync` of this thread so far: the directory and whether `journal.log`
/// existed in it at that moment.
pub fn dir_syncs() -> Vec<(std::path::PathBuf, bool)> {
    DIR_SYNCS.with(|d| d.borrow().clone())
}
