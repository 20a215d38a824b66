//! `loyalty`: the facade crate of the workspace. Everything lives in [`loyalty_core`]; this
//! crate re-exports it and owns the runnable examples and the benchmarks.
#![forbid(unsafe_code)]

pub use loyalty_core::*;

/// The README's tour runs as a doctest, so it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeTour;

#[cfg(test)]
mod tests {
    use super::Program;

    /// The README tour's program is the shipped `examples/programs/furniture.json`, so the
    /// example file is exercised by the tour's doctest.
    #[test]
    fn the_tour_program_is_the_shipped_furniture_club() {
        let readme = include_str!("../README.md");
        let opening = "Program::from_json(r#\"";
        let start = readme.find(opening).map_or(0, |i| i + opening.len());
        let end = start + readme[start..].find("\"#)").unwrap_or(0);
        let tour = Program::from_json(&readme[start..end]);
        let shipped = Program::from_json(include_str!("../examples/programs/furniture.json"));
        assert!(tour.is_ok() && tour == shipped, "{tour:?}\n{shipped:?}");
    }
}
