//! The font every renderer uses: Noto Sans CJK SC (a subset, shipped in the binary; see
//! `assets/fonts/README.md`), then system fonts for the characters it lacks (CJK Extension B
//! and beyond appear in some personal names), then 〓 for what no font has.

use ab_glyph::{Font, FontArc, FontVec};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The shipped font: Noto Sans CJK SC Regular, subset (SIL OFL 1.1).
pub static EMBEDDED: &[u8] =
    include_bytes!("../../../assets/fonts/NotoSansCJKsc-Regular-subset.otf");

/// What is printed for a character no font has: 〓 (GETA MARK), the conventional substitute in
/// Chinese and Japanese printing; it is in the shipped font.
pub const MISSING: char = '\u{3013}';

/// Font files (and face index within a collection) tried after the shipped font, in order,
/// when they exist on this machine.
pub fn system_fallbacks() -> Vec<(PathBuf, u32)> {
    let candidates: &[(&str, u32)] = if cfg!(windows) {
        &[
            // SimSun-ExtB covers CJK Extension B; YaHei and SimSun the rest of GB18030's BMP.
            (r"C:\Windows\Fonts\simsunb.ttf", 0),
            (r"C:\Windows\Fonts\msyh.ttc", 0),
            (r"C:\Windows\Fonts\simsun.ttc", 0),
        ]
    } else {
        &[
            // Debian's fonts-noto-cjk: the whole collection, face 2 is Noto Sans CJK SC.
            ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
            ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
            ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
            ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
        ]
    };
    candidates
        .iter()
        .map(|(p, i)| (PathBuf::from(p), *i))
        .filter(|(p, _)| p.is_file())
        .collect()
}

/// A font's bytes: the shipped font, or a file read from disk.
#[derive(Clone)]
pub enum FaceData {
    /// Compiled into the binary.
    Static(&'static [u8]),
    /// Read from a file.
    Owned(Arc<Vec<u8>>),
}

impl FaceData {
    /// The font file's bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Self::Static(b) => b,
            Self::Owned(b) => b,
        }
    }
}

/// One font face: its bytes, its index in a collection, and a parsed handle.
#[derive(Clone)]
pub struct Face {
    /// Where it came from (`embedded` or the file's path), for messages.
    pub name: String,
    /// The file's bytes.
    pub data: FaceData,
    /// The face's index within a collection (0 for a single font).
    pub index: u32,
    font: FontArc,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face")
            .field("name", &self.name)
            .field("index", &self.index)
            .finish()
    }
}

impl Face {
    /// The shipped font.
    pub fn embedded() -> Self {
        // The shipped font is a fixed, tested file: failing to parse it is a build defect.
        #[allow(clippy::expect_used)]
        let font = FontArc::new(
            ab_glyph::FontRef::try_from_slice(EMBEDDED).expect("the shipped font parses"),
        );
        Self {
            name: "embedded Noto Sans CJK SC".into(),
            data: FaceData::Static(EMBEDDED),
            index: 0,
            font,
        }
    }

    /// Reads face `index` of the font file at `path`.
    pub fn load(path: &Path, index: u32) -> Result<Self, FontError> {
        let bytes = std::fs::read(path).map_err(|source| FontError::Read {
            path: path.to_owned(),
            source,
        })?;
        let font = FontVec::try_from_vec_and_index(bytes.clone(), index).map_err(|_| {
            FontError::NotAFont {
                path: path.to_owned(),
                index,
            }
        })?;
        Ok(Self {
            name: path.display().to_string(),
            data: FaceData::Owned(Arc::new(bytes)),
            index,
            font: FontArc::new(font),
        })
    }

    /// Whether this face has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.font.glyph_id(c).0 != 0
    }

    /// The parsed font, for drawing.
    pub fn font(&self) -> &FontArc {
        &self.font
    }
}

/// A font file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    /// The file could not be read.
    #[error("cannot read font {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not an OpenType/TrueType font (or has no such face).
    #[error("{path} has no font face {index}")]
    NotAFont {
        /// The file.
        path: PathBuf,
        /// The face asked for.
        index: u32,
    },
}

/// The shipped font and its fallbacks, which are read from disk only when a document needs a
/// character the shipped font lacks.
#[derive(Debug)]
pub struct Fonts {
    primary: Face,
    fallback_paths: Vec<(PathBuf, u32)>,
    fallbacks: OnceLock<Vec<Face>>,
}

impl Default for Fonts {
    fn default() -> Self {
        Self::new(system_fallbacks())
    }
}

impl Fonts {
    /// The shipped font, then the faces at `fallbacks` (unreadable ones are skipped).
    pub fn new(fallbacks: Vec<(PathBuf, u32)>) -> Self {
        Self {
            primary: Face::embedded(),
            fallback_paths: fallbacks,
            fallbacks: OnceLock::new(),
        }
    }

    /// The shipped font alone (tests, and machines where fallbacks are not wanted).
    pub fn embedded_only() -> Self {
        Self::new(Vec::new())
    }

    /// The shipped font.
    pub fn primary(&self) -> &Face {
        &self.primary
    }

    fn fallbacks(&self) -> &[Face] {
        self.fallbacks.get_or_init(|| {
            self.fallback_paths
                .iter()
                .filter_map(|(p, i)| Face::load(p, *i).ok())
                .collect()
        })
    }

    /// The first face that has `c`, or `None` when none does (print [`MISSING`]).
    pub fn face_for(&self, c: char) -> Option<&Face> {
        if self.primary.covers(c) || c.is_whitespace() {
            return Some(&self.primary);
        }
        self.fallbacks().iter().find(|f| f.covers(c))
    }

    /// Characters of `text` that no face has (each once, in order), to warn about.
    pub fn missing(&self, text: impl IntoIterator<Item = char>) -> Vec<char> {
        let mut out: Vec<char> = Vec::new();
        for c in text {
            if !c.is_control() && self.face_for(c).is_none() && !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }

    /// Splits `text` into runs that one face draws: (face, text). Characters no face has
    /// become [`MISSING`] in the shipped font's run.
    pub fn runs<'a>(&'a self, text: &str) -> Vec<(&'a Face, String)> {
        let mut runs: Vec<(&Face, String)> = Vec::new();
        for c in text.chars() {
            let (face, c) = match self.face_for(c) {
                Some(face) => (face, c),
                None => (&self.primary, MISSING),
            };
            match runs.last_mut() {
                Some((f, run)) if std::ptr::eq(*f, face) => run.push(c),
                _ => runs.push((face, c.to_string())),
            }
        }
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_font_covers_receipt_text() {
        let fonts = Fonts::embedded_only();
        let text = "核验回执 Verification receipt 北京市朝阳区政务服务中心 有效 无效 无法确认 张* 110105********1000 〓 ：，。（）";
        assert_eq!(fonts.missing(text.chars()), Vec::<char>::new());
    }

    #[test]
    fn a_character_no_font_has_becomes_the_geta_mark() {
        let fonts = Fonts::embedded_only();
        // U+2A6A5 (CJK Extension B) is outside the shipped subset.
        let runs = fonts.runs("王\u{2A6A5}");
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].1, "王〓");
        assert_eq!(fonts.missing("王\u{2A6A5}".chars()), vec!['\u{2A6A5}']);
    }

    #[test]
    fn an_unreadable_fallback_is_skipped() {
        let fonts = Fonts::new(vec![(PathBuf::from("/nonexistent/font.ttf"), 0)]);
        assert!(fonts.face_for('\u{2A6A5}').is_none());
        assert!(Face::load(Path::new("/nonexistent/font.ttf"), 0).is_err());
    }
}
