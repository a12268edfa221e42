//! The 14 persuasion techniques of SemEval-2020 Task 11, spelled exactly as in the PTC labels so
//! that reports and prediction files can be scored by the official scorer without a mapping.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Technique {
    #[serde(rename = "Appeal_to_Authority")]
    AppealToAuthority,
    #[serde(rename = "Appeal_to_fear-prejudice")]
    AppealToFearPrejudice,
    #[serde(rename = "Bandwagon,Reductio_ad_hitlerum")]
    BandwagonReductioAdHitlerum,
    #[serde(rename = "Black-and-White_Fallacy")]
    BlackAndWhiteFallacy,
    #[serde(rename = "Causal_Oversimplification")]
    CausalOversimplification,
    #[serde(rename = "Doubt")]
    Doubt,
    #[serde(rename = "Exaggeration,Minimisation")]
    ExaggerationMinimisation,
    #[serde(rename = "Flag-Waving")]
    FlagWaving,
    #[serde(rename = "Loaded_Language")]
    LoadedLanguage,
    #[serde(rename = "Name_Calling,Labeling")]
    NameCallingLabeling,
    #[serde(rename = "Repetition")]
    Repetition,
    #[serde(rename = "Slogans")]
    Slogans,
    #[serde(rename = "Thought-terminating_Cliches")]
    ThoughtTerminatingCliches,
    #[serde(rename = "Whataboutism,Straw_Men,Red_Herring")]
    WhataboutismStrawMenRedHerring,
}

impl Technique {
    pub const ALL: [Technique; 14] = [
        Technique::AppealToAuthority,
        Technique::AppealToFearPrejudice,
        Technique::BandwagonReductioAdHitlerum,
        Technique::BlackAndWhiteFallacy,
        Technique::CausalOversimplification,
        Technique::Doubt,
        Technique::ExaggerationMinimisation,
        Technique::FlagWaving,
        Technique::LoadedLanguage,
        Technique::NameCallingLabeling,
        Technique::Repetition,
        Technique::Slogans,
        Technique::ThoughtTerminatingCliches,
        Technique::WhataboutismStrawMenRedHerring,
    ];

    /// The label as written in the PTC files.
    pub fn as_str(self) -> &'static str {
        match self {
            Technique::AppealToAuthority => "Appeal_to_Authority",
            Technique::AppealToFearPrejudice => "Appeal_to_fear-prejudice",
            Technique::BandwagonReductioAdHitlerum => "Bandwagon,Reductio_ad_hitlerum",
            Technique::BlackAndWhiteFallacy => "Black-and-White_Fallacy",
            Technique::CausalOversimplification => "Causal_Oversimplification",
            Technique::Doubt => "Doubt",
            Technique::ExaggerationMinimisation => "Exaggeration,Minimisation",
            Technique::FlagWaving => "Flag-Waving",
            Technique::LoadedLanguage => "Loaded_Language",
            Technique::NameCallingLabeling => "Name_Calling,Labeling",
            Technique::Repetition => "Repetition",
            Technique::Slogans => "Slogans",
            Technique::ThoughtTerminatingCliches => "Thought-terminating_Cliches",
            Technique::WhataboutismStrawMenRedHerring => "Whataboutism,Straw_Men,Red_Herring",
        }
    }

    /// A human name for legends.
    pub fn display_name(self) -> &'static str {
        match self {
            Technique::AppealToAuthority => "Appeal to authority",
            Technique::AppealToFearPrejudice => "Appeal to fear or prejudice",
            Technique::BandwagonReductioAdHitlerum => "Bandwagon / reductio ad Hitlerum",
            Technique::BlackAndWhiteFallacy => "Black-and-white fallacy",
            Technique::CausalOversimplification => "Causal oversimplification",
            Technique::Doubt => "Doubt",
            Technique::ExaggerationMinimisation => "Exaggeration or minimisation",
            Technique::FlagWaving => "Flag-waving",
            Technique::LoadedLanguage => "Loaded language",
            Technique::NameCallingLabeling => "Name calling / labeling",
            Technique::Repetition => "Repetition",
            Technique::Slogans => "Slogans",
            Technique::ThoughtTerminatingCliches => "Thought-terminating cliché",
            Technique::WhataboutismStrawMenRedHerring => "Whataboutism / straw man / red herring",
        }
    }

    /// One-line definition, paraphrasing Da San Martino et al. (2019, 2020).
    pub fn definition(self) -> &'static str {
        match self {
            Technique::AppealToAuthority => {
                "Claims something is true because an authority or expert says so, without other evidence."
            }
            Technique::AppealToFearPrejudice => {
                "Builds support by stoking fear or anxiety about an alternative, or by playing on prejudice."
            }
            Technique::BandwagonReductioAdHitlerum => {
                "Urges agreement because 'everyone' agrees, or rejects an idea because a hated group holds it."
            }
            Technique::BlackAndWhiteFallacy => {
                "Presents two options as the only ones possible when more exist."
            }
            Technique::CausalOversimplification => "Assumes one cause for an issue that has many.",
            Technique::Doubt => "Questions the credibility of someone or something.",
            Technique::ExaggerationMinimisation => {
                "Makes something look larger, better or worse than it is, or downplays it."
            }
            Technique::FlagWaving => {
                "Plays on strong national or group feeling to justify or promote an idea."
            }
            Technique::LoadedLanguage => {
                "Uses words with strong emotional connotations to influence the reader."
            }
            Technique::NameCallingLabeling => {
                "Labels the target with a word the audience fears, hates or finds undesirable (or loves)."
            }
            Technique::Repetition => {
                "Repeats the same message over and over so the audience accepts it."
            }
            Technique::Slogans => {
                "A brief, striking phrase that may include labeling and stereotyping."
            }
            Technique::ThoughtTerminatingCliches => {
                "A short, generic phrase that discourages critical thought and discussion."
            }
            Technique::WhataboutismStrawMenRedHerring => {
                "Deflects by accusing the opponent of hypocrisy, misrepresents their position, or changes the subject."
            }
        }
    }
}

impl fmt::Display for Technique {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Technique {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Technique, crate::Error> {
        Technique::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| crate::Error::UnknownTechnique(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_ptc_spelling_and_serde() {
        for t in Technique::ALL {
            assert_eq!(t.as_str().parse::<Technique>().unwrap(), t);
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        assert!("Loaded Language".parse::<Technique>().is_err());
    }
}
