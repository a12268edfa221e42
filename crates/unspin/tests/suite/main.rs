//! The library's integration tests, as one test binary: each module is what was a test file of
//! its own. One binary links the crate and its dependencies once instead of nine times, which
//! is most of what `cargo test` spent after compiling.

#[cfg(feature = "accurate")]
mod accurate;
mod contract;
mod detectors;
mod languages;
mod layering;
mod model;
mod pathological;
mod regressions;
mod reliability;
mod scorers;
mod sentences;
