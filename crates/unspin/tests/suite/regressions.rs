//! Inputs that once broke unspin (from fuzzing and the pathological-input table), kept so they
//! stay fixed.

use unspin::model::format::{decode, encode};
use unspin::model::sentence::SentenceModels;
use unspin::model::techniques::TechniqueModel;

/// A model file that decodes but whose weight table is cut used to index out of bounds at the
/// first analysis; the shape checks now refuse it at load.
#[test]
fn a_decodable_model_with_cut_weights_is_refused_at_load() {
    let mut m: TechniqueModel = decode(include_bytes!("../../models/techniques.bin")).unwrap();
    m.si.weights.truncate(10);
    let bytes = encode(&m).unwrap();
    let m: TechniqueModel = decode(&bytes).unwrap();
    let e = unspin::Analyzer::builder()
        .technique_model(m)
        .build()
        .err()
        .unwrap();
    assert!(
        e.to_string().contains("corrupted technique span model"),
        "{e}"
    );

    let mut s: SentenceModels = decode(include_bytes!("../../models/sentences.bin")).unwrap();
    s.hedging.linear.bias.clear();
    let e = s.check().unwrap_err();
    assert!(e.to_string().contains("corrupted hedging model"), "{e}");
}

/// 100,000 nested tags overflowed a worker thread's stack inside the readability extractor;
/// past `MAX_NESTING` the page's text is taken with its tags stripped.
#[test]
fn deep_nesting_is_measured_and_bounded() {
    let deep = format!("{}x{}", "<div>".repeat(5000), "</div>".repeat(5000));
    assert_eq!(unspin::ingest::max_nesting(&deep), 5000);
    assert_eq!(
        unspin::ingest::max_nesting("<p>a<br>b<img src=x/><br/></p><!-- <div> --><p>c</p>"),
        1
    );
    let doc = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            unspin::Document::from_html(
                &deep.replace('x', "Reports say the bridge is unsafe and many believe it."),
                None,
            )
        })
        .unwrap()
        .join()
        .unwrap()
        .unwrap();
    assert_eq!(
        doc.text,
        "Reports say the bridge is unsafe and many believe it."
    );
}

/// The stripped text of a too-deep page decodes each entity once: a hand-written chain of
/// replacements turned the escaped text `&amp;lt;3` into `<3` (decoding twice), and knew six
/// entities.
#[test]
fn deep_page_entities_are_decoded_once() {
    let body = "Fans wrote &amp;lt;3 &mdash; &ldquo;we love it&rdquo; &eacute;t&eacute; &#8364;5 &#x263A; and more words here.";
    let deep = format!("{}{body}{}", "<div>".repeat(1500), "</div>".repeat(1500));
    let doc = unspin::Document::from_html(&deep, None).unwrap();
    assert_eq!(
        doc.text,
        "Fans wrote &lt;3 — “we love it” été €5 ☺ and more words here."
    );
}

/// A Parquet file whose footer gives a column chunk a negative offset made the `parquet` crate
/// panic while reading its first row group (found by the `parquet_corpus` fuzz target; the
/// file is that fuzzer's mutation of an `unspin corpus -o x.parquet` output). It is this file's
/// error now, never the process's end.
#[cfg(feature = "parquet")]
#[test]
fn a_malformed_parquet_file_is_an_error_not_a_panic() {
    use unspin::corpus::input::{Columns, RecordSource};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/malformed-negative-offset.parquet");
    let cols = Columns {
        text: "report".into(),
        id: Some("id".into()),
        title: Some("label".into()),
        ..Columns::default()
    };
    let limits = unspin::Limits { max_bytes: 4096 };
    match unspin::corpus::parquet::ParquetSource::open(&path, &cols, limits) {
        Err(e) => assert!(e.to_string().contains("Parquet"), "{e}"),
        Ok(mut src) => {
            let mut failed = None;
            for _ in 0..1000 {
                match src.next_record() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            let e = failed.expect("the malformed row group is an error");
            assert!(e.to_string().contains("malformed"), "{e}");
            assert!(
                matches!(src.next_record(), Ok(None)),
                "nothing read after it"
            );
        }
    }
}
