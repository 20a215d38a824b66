//! An append-mostly array in fixed chunks: appending never moves what is stored and never
//! doubles a buffer (no spike of twice the memory while it grows), and at most one chunk is
//! partly empty. The operation table's rows and orders, and the rows beside orders, live in
//! them.

/// Rows per chunk of the order array: appending never moves what is stored, and at most one
/// chunk is partly empty.
const CHUNK: usize = 1 << 12;

/// An append-mostly array in fixed chunks.
#[derive(Debug, Clone)]
pub(crate) struct Chunks<T> {
    chunks: Vec<Vec<T>>,
}

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks { chunks: Vec::new() }
    }
}

impl<T> Chunks<T> {
    pub(crate) fn len(&self) -> usize {
        self.chunks
            .last()
            .map_or(0, |c| (self.chunks.len() - 1) * CHUNK + c.len())
    }

    pub(crate) fn push(&mut self, value: T) -> usize {
        if self.chunks.last().is_none_or(|c| c.len() == CHUNK) {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        let at = self.len();
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.push(value);
        }
        at
    }

    pub(crate) fn pop(&mut self) {
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.pop();
            if chunk.is_empty() {
                self.chunks.pop();
            }
        }
    }

    pub(crate) fn get(&self, i: usize) -> &T {
        &self.chunks[i / CHUNK][i % CHUNK]
    }

    pub(crate) fn get_mut(&mut self, i: usize) -> &mut T {
        &mut self.chunks[i / CHUNK][i % CHUNK]
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cross_their_boundary() {
        let mut c = Chunks::default();
        for i in 0..=CHUNK {
            assert_eq!(c.push(i), i);
        }
        assert_eq!(*c.get(CHUNK), CHUNK);
        c.pop();
        assert_eq!((c.len(), c.chunks.len()), (CHUNK, 1));
    }
}
