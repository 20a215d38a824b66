//! `loyalty`: the facade crate of the workspace. Everything lives in [`loyalty_core`]; this
//! crate re-exports it and owns the runnable examples and the benchmarks.
#![forbid(unsafe_code)]

pub use loyalty_core::*;

/// The README's tour runs as a doctest, so it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeTour;
