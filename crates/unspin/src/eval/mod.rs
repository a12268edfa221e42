//! Evaluation: the official scorers of each task, and the protocols that produce every number
//! unspin reports about itself.

pub mod attribution;
pub mod metrics;
pub mod protocols;
pub mod ptc;
pub mod ranking;
pub mod sentences;
