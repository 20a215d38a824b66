//! Operation ids unique across terminals: a terminal's number in the high 16 bits, its own
//! sequence (persisted in its queue) in the low 48. Terminal 0 does not exist: ids below 2^48
//! are the centre's own (a shop's web orders, a supervisor's adjustments), so a centre that keeps
//! its ids below 2^48 never meets a terminal's. 2^48 sales a terminal is nine thousand years of
//! one sale a second.

use loyalty_core::OpId;

/// Bits of an id that hold the terminal's sequence.
pub const SEQ_BITS: u32 = 48;
/// The largest sequence number a terminal can use.
pub const MAX_SEQ: u64 = (1 << SEQ_BITS) - 1;

/// The id of a terminal's `seq`-th operation (`terminal` ≥ 1, `seq` ≤ [`MAX_SEQ`]).
pub fn op_id(terminal: u16, seq: u64) -> OpId {
    (u64::from(terminal) << SEQ_BITS) | (seq & MAX_SEQ)
}

/// The terminal and sequence of an id (terminal 0: one of the centre's own).
pub fn split(id: OpId) -> (u16, u64) {
    ((id >> SEQ_BITS) as u16, id & MAX_SEQ)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_of_two_terminals_never_meet_nor_the_centres() {
        assert_eq!(op_id(1, 0), 1 << 48);
        assert_eq!(split(op_id(7, 42)), (7, 42));
        assert_eq!(split(op_id(u16::MAX, MAX_SEQ)), (u16::MAX, MAX_SEQ));
        assert_ne!(op_id(1, 5), op_id(2, 5));
        assert_eq!(split(12_345).0, 0, "a centre id below 2^48 is terminal 0's");
    }
}
