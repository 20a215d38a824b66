//! One file per operation of SPEC section 5. Each checks everything first (in the SPEC's
//! order) and mutates only once every check has passed, so a rejected operation changes
//! nothing.

mod adjust;
mod configure;
mod enroll;
mod order;
pub(crate) use order::check_lines;
mod refund;
mod survey;
mod transfer;
