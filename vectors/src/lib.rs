//! The test-vector corpus of `vectors/`: typed loading of the format `vectors/README.md` defines,
//! with every file embedded at build time.
//!
//! ```
//! let corpus = mqtt_vectors::Corpus::embedded().expect("the corpus parses");
//! assert!(corpus.vectors().count() > 0);
//! ```

use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::fmt;

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The schema tag every file carries.
pub const SCHEMA: &str = "mqtt-packet-vectors/1";

/// One vector file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorFile {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// "3.1", "3.1.1", "5.0" or "detect".
    pub version: String,
    /// One line.
    pub description: String,
    /// Meaning of flags.
    #[serde(default)]
    pub notes: BTreeMap<String, String>,
    /// The cases.
    pub vectors: Vec<Vector>,
}

/// The verdict a receiver must reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Must decode, to `decoded`.
    Valid,
    /// Must be refused with `reason_code`.
    Invalid,
    /// May be accepted or refused (with `reason_code`).
    Acceptable,
}

/// One case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// Stable, unique slug.
    pub id: String,
    /// What the bytes are.
    pub comment: String,
    /// The bytes, as hex (spaces and `|` ignored).
    pub hex: String,
    /// The verdict.
    pub result: Verdict,
    /// JSON form of the packet (valid vectors).
    #[serde(default)]
    pub decoded: Option<Value>,
    /// Reason code as "0x81" (invalid and acceptable vectors).
    #[serde(default)]
    pub reason_code: Option<String>,
    /// Byte offset of the error.
    #[serde(default)]
    pub offset: Option<usize>,
    /// Normative statement ids exercised.
    #[serde(default)]
    pub cites: Vec<String>,
    /// "client-to-server" or "server-to-client".
    #[serde(default)]
    pub direction: Option<String>,
    /// Flags named in the file's notes.
    #[serde(default)]
    pub flags: Vec<String>,
    /// `false` when the bytes are valid but not the encoder's form.
    #[serde(default)]
    pub canonical: Option<bool>,
    /// Where the bytes come from (captures from real clients).
    #[serde(default)]
    pub source: Option<String>,
    /// Decoder Maximum Packet Size.
    #[serde(default)]
    pub max_packet_size: Option<u32>,
    /// Decoder Topic Alias Maximum.
    #[serde(default)]
    pub topic_alias_maximum: Option<u16>,
    /// Several packets back to back; `decoded` is then an array.
    #[serde(default)]
    pub stream: bool,
}

impl Vector {
    /// The bytes.
    ///
    /// # Errors
    /// A message if the hex is bad.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        let digits: String = self
            .hex
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '|')
            .collect();
        if !digits.len().is_multiple_of(2) {
            return Err(format!("{}: odd number of hex digits", self.id));
        }
        (0..digits.len())
            .step_by(2)
            .map(|i| {
                u8::from_str_radix(&digits[i..i + 2], 16).map_err(|e| format!("{}: {e}", self.id))
            })
            .collect()
    }

    /// The reason code as a number.
    pub fn reason_code_value(&self) -> Option<u8> {
        let s = self.reason_code.as_deref()?;
        u8::from_str_radix(s.trim_start_matches("0x"), 16).ok()
    }

    /// Whether re-encoding must give the same bytes.
    pub fn is_canonical(&self) -> bool {
        self.canonical.unwrap_or(true)
    }
}

/// A vector with the file it came from.
#[derive(Debug, Clone, Copy)]
pub struct Located<'c> {
    /// Path relative to `vectors/`.
    pub path: &'c str,
    /// The file's version field.
    pub version: &'c str,
    /// The vector.
    pub vector: &'c Vector,
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.path, self.vector.id)
    }
}

/// All vector files.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// (path, file) pairs in path order.
    pub files: Vec<(String, VectorFile)>,
}

impl Corpus {
    /// The corpus embedded at build time.
    ///
    /// # Errors
    /// A message naming the file and the problem (bad JSON, unknown field, duplicate id, ...).
    pub fn embedded() -> Result<Corpus, String> {
        Self::from_texts(FILES.iter().map(|(p, t)| (p.to_string(), t.to_string())))
    }

    /// A corpus from (path, text) pairs.
    ///
    /// # Errors
    /// As [`Corpus::embedded`].
    pub fn from_texts(texts: impl IntoIterator<Item = (String, String)>) -> Result<Corpus, String> {
        let mut files = Vec::new();
        let mut ids = HashSet::new();
        for (path, text) in texts {
            let file: VectorFile =
                serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
            if file.schema != SCHEMA {
                return Err(format!(
                    "{path}: schema is {:?}, expected {SCHEMA:?}",
                    file.schema
                ));
            }
            if !["3.1", "3.1.1", "5.0", "detect"].contains(&file.version.as_str()) {
                return Err(format!("{path}: unknown version {:?}", file.version));
            }
            for v in &file.vectors {
                if !ids.insert(v.id.clone()) {
                    return Err(format!("{path}#{}: duplicate id", v.id));
                }
                v.bytes().map_err(|e| format!("{path}#{e}"))?;
                match v.result {
                    Verdict::Valid if v.decoded.is_none() => {
                        return Err(format!("{path}#{}: valid vector without decoded", v.id))
                    }
                    Verdict::Invalid if v.reason_code_value().is_none() => {
                        return Err(format!(
                            "{path}#{}: invalid vector without reason_code",
                            v.id
                        ))
                    }
                    _ => {}
                }
                for flag in &v.flags {
                    if !file.notes.contains_key(flag) {
                        return Err(format!(
                            "{path}#{}: flag {flag} not explained in notes",
                            v.id
                        ));
                    }
                }
            }
            files.push((path, file));
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Corpus { files })
    }

    /// Every vector with its file.
    pub fn vectors(&self) -> impl Iterator<Item = Located<'_>> {
        self.files.iter().flat_map(|(path, file)| {
            file.vectors.iter().map(move |vector| Located {
                path,
                version: &file.version,
                vector,
            })
        })
    }

    /// The vector with `id`.
    pub fn get(&self, id: &str) -> Option<Located<'_>> {
        self.vectors().find(|l| l.vector.id == id)
    }
}
