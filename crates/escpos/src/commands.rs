//! The ESC/POS bytes this crate speaks, named once for the encoder, the transports and the
//! interpreter.

pub(crate) const LF: u8 = 0x0A;
pub(crate) const ESC: u8 = 0x1B;
pub(crate) const GS: u8 = 0x1D;
pub(crate) const FS: u8 = 0x1C;
pub(crate) const DLE: u8 = 0x10;
pub(crate) const EOT: u8 = 0x04;

/// `ESC @`: initialise (clears the buffer, resets styles, alignment and line spacing).
pub(crate) const INIT: [u8; 2] = [ESC, b'@'];
/// `FS &`: Chinese (two-byte) character mode on.
pub(crate) const CHINESE_ON: [u8; 2] = [FS, b'&'];

/// `DLE EOT n`: real-time status request. n = 1 printer, 2 offline cause, 4 paper sensor.
pub(crate) fn status_request(n: u8) -> [u8; 3] {
    [DLE, EOT, n]
}

/// The QR code symbol's `cn` in `GS ( k`.
pub(crate) const QR_CN: u8 = 49;
/// QR `fn` values in `GS ( k`.
pub(crate) const QR_FN_MODEL: u8 = 65;
pub(crate) const QR_FN_MODULE: u8 = 67;
pub(crate) const QR_FN_ECC: u8 = 69;
pub(crate) const QR_FN_STORE: u8 = 80;
pub(crate) const QR_FN_PRINT: u8 = 81;
pub(crate) const QR_FN_SIZE_INFO: u8 = 82;
/// `GS ( k` error-correction parameter for level M.
pub(crate) const QR_ECC_M: u8 = 49;
/// `GS ( k` model parameter for model 2.
pub(crate) const QR_MODEL_2: u8 = 50;

/// Appends `GS ( k pL pH cn fn params`.
pub(crate) fn gs_k(out: &mut Vec<u8>, func: u8, params: &[u8]) {
    // pL pH count cn, fn and the parameters; the callers keep it below 65,536.
    let len = params.len() + 2;
    out.extend_from_slice(&[
        GS,
        b'(',
        b'k',
        (len & 0xFF) as u8,
        (len >> 8) as u8,
        QR_CN,
        func,
    ]);
    out.extend_from_slice(params);
}
