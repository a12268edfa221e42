//! Scorers and folds: the official metric of each task (ports of the SemEval-2020 Task 11
//! scorers, the CLEF 2019 ranking measures, classification metrics) and the fold assignments
//! every protocol uses. Below both training (which chooses settings by cross-validation) and
//! evaluation, so neither depends on the other for them.

pub mod folds;
pub mod lines;
pub mod metrics;
pub mod ptc;
pub mod ranking;
