//! Model-file loading: a corrupted model file must be a clear error, and a file that decodes
//! must either be refused by the model checks or analyse text without panicking.
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
        && let Ok(a) = Analyzer::with_technique_model(Some(m))
    {
        let _ = a.analyze(&Document::from_text(TEXT));
    }
    if let Ok(m) = decode::<ReliabilityModel>(data)
        && m.check().is_ok()
    {
        let a = Analyzer::new().with_reliability_model(Some(m));
        let _ = a.analyze(&Document::from_text(TEXT));
    }
    if let Ok(m) = decode::<SentenceModels>(data)
        && m.check().is_ok()
    {
        let a = Analyzer::new().with_sentence_models(Some(m));
        let _ = a.analyze(&Document::from_text(TEXT));
    }
});
