//! Raw DEFLATE (RFC 1951, no zlib or gzip header) primed with the CS1 preset dictionary, with a
//! hard cap on decompressed size.
//!
//! The header is left out because every byte costs QR modules and the payload needs no
//! checksum of its own: the credential inside is signed. The preset dictionary
//! ([`CS1_DICTIONARY`]) holds the JSON skeleton every credential repeats and common Chinese
//! words, so the first occurrence of `"cryptosuite":"eddsa-jcs-2022"` or 有限责任公司 is a
//! back-reference of a few bits instead of literals: it saves 300-500 bytes a credential, the
//! difference between QR version 25 and 30 for a 65,536-credential batch. A stream that does
//! not refer to the dictionary decompresses as plain raw DEFLATE.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The CS1 preset dictionary (3,291 bytes of UTF-8, SHA-256
/// `84e513fd86c07a9edc7082ed10633faae93df64d00d7094ad5dc634d7afeb9f6`). Part of the CS1 format:
/// changing one byte needs a new prefix.
pub const CS1_DICTIONARY: &[u8] = include_bytes!("cs1.dict");
use thiserror::Error;

/// Output is produced in chunks of at most this size, so memory grows with what was actually
/// accepted, never with what the stream claims.
const CHUNK: usize = 16 * 1024;

/// Why a byte string did not decompress.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DeflateError {
    /// The stream is not valid DEFLATE.
    #[error("corrupt deflate stream: {message}")]
    Corrupt {
        /// The decompressor's own description of the fault.
        message: String,
    },
    /// The input ended before the stream's final block did; typically a partly read QR code
    /// or a scanner that stopped typing early.
    #[error("deflate stream is truncated: input ended before the final block")]
    Truncated,
    /// Bytes follow the end of the deflate stream.
    #[error("{extra} unexpected byte(s) after the end of the deflate stream")]
    TrailingData {
        /// How many bytes follow the stream.
        extra: usize,
    },
    /// The decompressed data would exceed the cap; decompression stopped at the cap.
    #[error("decompressed data exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The cap that was exceeded, in bytes.
        limit: usize,
    },
    /// The stream is valid but decompresses to nothing, which no real payload does.
    #[error("deflate stream decompresses to no data")]
    Empty,
}

/// Compresses bytes with the best compression DEFLATE offers (level 9), primed with
/// [`CS1_DICTIONARY`]: a payload is encoded once and scanned many times, and every byte saved
/// makes the QR code easier to read.
pub fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut deflater = Compress::new(Compression::best(), false);
    // Raw streams accept a dictionary before the first call; with a fresh deflater and a
    // dictionary under the 32 KiB window this cannot fail, and if it ever did the output is
    // still valid DEFLATE (just larger), so the result is ignored on purpose.
    let _ = deflater.set_dictionary(CS1_DICTIONARY);
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 8 + 64);
    loop {
        let consumed = usize::try_from(deflater.total_in()).unwrap_or(bytes.len());
        match deflater.compress_vec(
            &bytes[consumed.min(bytes.len())..],
            &mut out,
            FlushCompress::Finish,
        ) {
            Ok(Status::StreamEnd) => return out,
            // Out of room: grow and go on.
            Ok(_) => out.reserve(out.capacity().max(64)),
            // Only a misuse of the stream can fail, never the data being compressed.
            Err(e) => unreachable!("raw deflate into memory failed: {e}"),
        }
    }
}

/// Decompresses a complete raw DEFLATE stream, refusing to produce more than `max` bytes.
///
/// The cap is enforced while decompressing: at most `max` bytes (plus one working chunk) are
/// ever held, so a deflate bomb fails with [`DeflateError::TooLarge`] as soon as it passes the
/// cap, whatever size it claims.
pub fn decompress(bytes: &[u8], max: usize) -> Result<Vec<u8>, DeflateError> {
    let mut inflater = Decompress::new(false);
    inflater
        .set_dictionary(CS1_DICTIONARY)
        .map_err(|e| DeflateError::Corrupt {
            message: e.to_string(),
        })?;
    let mut out = Vec::new();
    let mut chunk = vec![0u8; CHUNK.min(max.saturating_add(1))];
    let mut consumed = 0usize;

    loop {
        // Room for one byte past the cap, so that reaching exactly `max` is not mistaken for
        // exceeding it.
        let room = chunk.len().min(max.saturating_add(1) - out.len());
        let (in_before, out_before) = (inflater.total_in(), inflater.total_out());
        let status = inflater
            .decompress(
                &bytes[consumed..],
                &mut chunk[..room],
                FlushDecompress::None,
            )
            .map_err(|e| DeflateError::Corrupt {
                message: e.to_string(),
            })?;
        let used = progress(in_before, inflater.total_in());
        let produced = progress(out_before, inflater.total_out());
        consumed += used;

        if produced > max - out.len() {
            return Err(DeflateError::TooLarge { limit: max });
        }
        out.extend_from_slice(&chunk[..produced]);

        match status {
            Status::StreamEnd => break,
            // With output room available and no progress, the decompressor is waiting for
            // input that will never come.
            Status::Ok | Status::BufError if used == 0 && produced == 0 => {
                return Err(DeflateError::Truncated);
            }
            Status::Ok | Status::BufError => {}
        }
    }

    if consumed < bytes.len() {
        return Err(DeflateError::TrailingData {
            extra: bytes.len() - consumed,
        });
    }
    if out.is_empty() {
        return Err(DeflateError::Empty);
    }
    Ok(out)
}

/// Bytes between two of the decompressor's running totals. The difference is bounded by the
/// slice lengths passed in one call, so it always fits in a usize.
fn progress(before: u64, after: u64) -> usize {
    usize::try_from(after - before).unwrap_or(usize::MAX)
}
