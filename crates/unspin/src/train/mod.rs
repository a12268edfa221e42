//! Training: the learners of every shipped model, above the models they train and the analyzer
//! whose output some of them learn from. `unspin train …` calls these and writes the model
//! files; `eval` reruns their protocols to report how well the method does.

pub mod attribution;
#[cfg(feature = "accurate")]
pub mod embeddings;
pub mod linear;
pub mod paragraphs;
pub mod reliability;
pub mod sentences;
pub mod teacher;
pub mod techniques;
