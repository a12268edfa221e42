//! The CLI's integration tests on the built binary, as one test binary (each module was a test
//! file of its own): the crate and its dependencies are linked once.

mod browser;
mod cli;
mod corpus;
