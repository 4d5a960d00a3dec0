//! Sizing a native QR code: the printer encodes the symbol itself, so the module size has to
//! be chosen from the data's length before sending.

/// Data codewords at error-correction level M for versions 1–40 (ISO/IEC 18004, table 7).
const DATA_CODEWORDS_M: [u16; 40] = [
    16, 28, 44, 64, 86, 108, 124, 154, 182, 216, 254, 290, 334, 365, 415, 453, 507, 563, 627, 669,
    714, 782, 860, 914, 1000, 1062, 1128, 1193, 1267, 1373, 1455, 1541, 1631, 1725, 1812, 1914,
    1992, 2102, 2216, 2334,
];

/// The smallest version whose level-M symbol holds `len` bytes in byte mode, or `None`
/// beyond version 40.
///
/// Byte mode is the worst case: a printer that picks numeric or alphanumeric mode for the
/// data makes a smaller symbol, never a larger one, so the module size chosen from this
/// still fits the roll whichever mode the firmware uses.
pub(crate) fn version_for_bytes(len: usize) -> Option<u8> {
    (1u8..=40).find(|&v| {
        let count_bits = if v < 10 { 8 } else { 16 };
        let available = usize::from(DATA_CODEWORDS_M[usize::from(v) - 1]) * 8;
        4 + count_bits + 8 * len <= available
    })
}

/// Modules per side of a version.
pub(crate) fn modules(version: u8) -> u32 {
    17 + 4 * u32::from(version)
}

/// The largest module size (dots) at which `modules` and the 4-module quiet zone on each
/// side fit `dots`, at most 8 (1 mm: larger only wastes paper), at least 1.
pub(crate) fn module_dots(modules: u32, dots: u32) -> u8 {
    // At most 8, so the conversion cannot fail.
    u8::try_from((dots / (modules + 8)).clamp(1, 8)).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_capacities_match_the_standard() {
        // Level-M byte capacities from the standard's table for a few versions.
        for (version, capacity) in [(1, 14), (2, 26), (9, 180), (10, 213), (25, 997), (40, 2331)] {
            assert_eq!(
                version_for_bytes(capacity),
                Some(version),
                "{capacity} bytes"
            );
            if version < 40 {
                assert_eq!(
                    version_for_bytes(capacity + 1),
                    Some(version + 1),
                    "{} bytes",
                    capacity + 1
                );
            }
        }
        assert_eq!(version_for_bytes(2332), None);
    }

    #[test]
    fn module_size_fits_the_roll() {
        assert_eq!(module_dots(modules(1), 384), 8);
        assert_eq!(module_dots(modules(14), 576), 7);
        assert_eq!(module_dots(modules(40), 384), 2);
    }
}
