//! Evaluation: the protocols that produce every number unspin reports about itself, each with
//! its task's official scorer (`score`). The top of the library: it runs the analyzer and
//! reruns the trainers' protocols (`train`), and nothing below imports it.

pub mod attribution;
pub mod protocols;
pub mod sentences;
