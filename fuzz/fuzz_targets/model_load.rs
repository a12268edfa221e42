//! Model-file loading: a corrupted model file must be a clear error, and a file that decodes
//! must either be refused by the builder's checks or analyse text without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;
use unspin::model::format::decode;
use unspin::model::reliability::ReliabilityModel;
use unspin::model::sentence::SentenceModels;
use unspin::model::techniques::TechniqueModel;
use unspin::{Analyzer, Document};

const TEXT: &str = "Reports are coming in that the mayor lied. Critics claim the audit was a sham! \
\"We will appeal,\" John Carter said.";

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = decode::<TechniqueModel>(data)
        && let Ok(a) = Analyzer::builder().technique_model(m).build()
    {
        let _ = a.analyze(&Document::from_text(TEXT));
    }
    if let Ok(m) = decode::<ReliabilityModel>(data)
        && let Ok(a) = Analyzer::builder().reliability_model(m).build()
    {
        let _ = a.analyze(&Document::from_text(TEXT));
    }
    if let Ok(m) = decode::<SentenceModels>(data)
        && let Ok(a) = Analyzer::builder().sentence_models(m).build()
    {
        let _ = a.analyze(&Document::from_text(TEXT));
    }
});
