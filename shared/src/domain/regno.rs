//! Registration numbers.
//!
//! A number is 10 Crockford base32 characters, written `XXXXX-XXXXX`: nine random
//! characters (45 bits, so numbers cannot be enumerated) followed by one check character.
//!
//! The check character makes the whole number a codeword of a weighted-sum code over the
//! finite field GF(32): reading the ten 5-bit digits as `d1 … d10`, a number is valid iff
//! `Σ α^(10-i) · d_i = 0`, with α the field generator. Because every weight is non-zero a
//! single substituted character always changes the sum, and because α ≠ 1 a swap of two
//! adjacent (different) characters changes it by `α^k · (α + 1) · (x + y) ≠ 0`. The
//! exhaustive test at the bottom checks both claims for every position and symbol pair.

use std::fmt;

/// Crockford base32 alphabet (no I, L, O, U).
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `bytes` in Crockford base32, most significant bits first, without padding (the secrets
/// of 20 random bytes become 32 characters: tracking tokens, agency keys).
pub fn crockford(bytes: &[u8]) -> String {
    let mut out = String::with_capacity((bytes.len() * 8).div_ceil(5));
    let mut acc: u32 = 0;
    let mut nbits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        nbits += 8;
        while nbits >= 5 {
            nbits -= 5;
            out.push(ALPHABET[((acc >> nbits) & 0x1f) as usize] as char);
        }
    }
    if nbits > 0 {
        out.push(ALPHABET[((acc << (5 - nbits)) & 0x1f) as usize] as char);
    }
    out
}

const PAYLOAD_LEN: usize = 9;
const LEN: usize = PAYLOAD_LEN + 1;

/// Multiplication in GF(2^5) modulo the primitive polynomial x^5 + x^2 + 1.
const fn gf32_mul(mut a: u8, mut b: u8) -> u8 {
    let mut product = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            product ^= a;
        }
        b >>= 1;
        a <<= 1;
        if a & 0x20 != 0 {
            a ^= 0x25;
        }
    }
    product & 0x1f
}

/// The field generator used as the weight ratio (α = x).
const ALPHA: u8 = 2;

/// Horner evaluation of the weighted sum over the digits.
fn syndrome(digits: &[u8]) -> u8 {
    digits.iter().fold(0, |acc, &d| gf32_mul(acc, ALPHA) ^ d)
}

fn check_digit(payload: &[u8; PAYLOAD_LEN]) -> u8 {
    // syndrome(payload ++ [c]) = α·syndrome(payload) + c = 0  ⇔  c = α·syndrome(payload)
    gf32_mul(syndrome(payload), ALPHA)
}

/// Decodes one Crockford character leniently: case-insensitive, O→0, I/L→1.
pub(crate) fn decode_char(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .map(|p| p as u8)
}

/// Why a typed registration number was refused. The variants matter to citizens: a failed
/// check character means "you probably mistyped it", not "it does not exist".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationNumberError {
    #[error("a registration number has {expected} characters, got {actual}")]
    WrongLength { expected: usize, actual: usize },
    #[error("a registration number contains only digits and the letters A–Z except U")]
    InvalidCharacter,
    #[error("the check character does not match (probably a typing mistake)")]
    CheckFailed,
}

/// A syntactically valid registration number (check character verified).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegistrationNumber([u8; LEN]);

impl RegistrationNumber {
    /// A new random number from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 6];
        getrandom::fill(&mut bytes)?;
        Ok(Self::from_random(bytes))
    }

    /// Builds a number from 48 random bits (45 are used).
    pub fn from_random(bytes: [u8; 6]) -> Self {
        let mut bits = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let mut payload = [0u8; PAYLOAD_LEN];
        for d in payload.iter_mut() {
            *d = (bits & 0x1f) as u8;
            bits >>= 5;
        }
        Self::from_payload(payload)
    }

    fn from_payload(payload: [u8; PAYLOAD_LEN]) -> Self {
        let mut digits = [0u8; LEN];
        digits[..PAYLOAD_LEN].copy_from_slice(&payload);
        digits[PAYLOAD_LEN] = check_digit(&payload);
        Self(digits)
    }

    /// Lenient parse: case-insensitive, dashes and spaces ignored, O→0, I/L→1.
    pub fn parse(input: &str) -> Result<Self, RegistrationNumberError> {
        let mut digits = [0u8; LEN];
        let mut n = 0usize;
        for c in input
            .chars()
            .filter(|c| !matches!(c, '-' | ' ' | '\u{2010}'..='\u{2015}'))
        {
            let d = decode_char(c).ok_or(RegistrationNumberError::InvalidCharacter)?;
            if n < LEN {
                digits[n] = d;
            }
            n += 1;
        }
        if n != LEN {
            return Err(RegistrationNumberError::WrongLength {
                expected: LEN,
                actual: n,
            });
        }
        if syndrome(&digits) != 0 {
            return Err(RegistrationNumberError::CheckFailed);
        }
        Ok(Self(digits))
    }

    /// The canonical written form `XXXXX-XXXXX`.
    pub fn as_string(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for RegistrationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, &d) in self.0.iter().enumerate() {
            if i == 5 {
                f.write_str("-")?;
            }
            write!(f, "{}", ALPHABET[d as usize] as char)?;
        }
        Ok(())
    }
}

impl fmt::Debug for RegistrationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegistrationNumber({self})")
    }
}

impl serde::Serialize for RegistrationNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crockford_groups_five_bits_at_a_time() {
        assert_eq!(crockford(&[]), "");
        assert_eq!(crockford(&[0xff]), "ZW");
        assert_eq!(crockford(&[0, 0, 0, 0, 0]), "00000000");
        assert_eq!(crockford(&[0x08, 0x86, 0x42, 0x98, 0xe8]), "12345678");
        assert_eq!(crockford(&[0xab; 20]).len(), 32);
    }
    use proptest::prelude::*;

    fn encode(digits: &[u8]) -> String {
        digits
            .iter()
            .map(|&d| ALPHABET[d as usize] as char)
            .collect()
    }

    /// A valid codeword whose digit at `pos` is `value` (other payload digits from `seed`).
    fn codeword_with(pos: usize, value: u8, seed: u64) -> [u8; LEN] {
        let mut payload = [0u8; PAYLOAD_LEN];
        for (i, d) in payload.iter_mut().enumerate() {
            *d = ((seed >> (i * 5)) & 0x1f) as u8;
        }
        if pos < PAYLOAD_LEN {
            payload[pos] = value;
            return RegistrationNumber::from_payload(payload).0;
        }
        // The check digit is a bijective function of any single payload digit: search d0.
        for d0 in 0..32u8 {
            payload[0] = d0;
            let rn = RegistrationNumber::from_payload(payload);
            if rn.0[PAYLOAD_LEN] == value {
                return rn.0;
            }
        }
        unreachable!("check digit is a bijection of d0");
    }

    /// A valid codeword with `x` at `pos` and `y` at `pos + 1`.
    fn codeword_with_pair(pos: usize, x: u8, y: u8, seed: u64) -> [u8; LEN] {
        let mut payload = [0u8; PAYLOAD_LEN];
        for (i, d) in payload.iter_mut().enumerate() {
            *d = ((seed >> (i * 5)) & 0x1f) as u8;
        }
        if pos + 1 < PAYLOAD_LEN {
            payload[pos] = x;
            payload[pos + 1] = y;
            return RegistrationNumber::from_payload(payload).0;
        }
        payload[pos] = x; // pos == 8, pos + 1 is the check digit
        let free = if pos == 0 { 1 } else { 0 };
        for v in 0..32u8 {
            payload[free] = v;
            let rn = RegistrationNumber::from_payload(payload);
            if rn.0[PAYLOAD_LEN] == y {
                return rn.0;
            }
        }
        unreachable!("check digit is a bijection of any payload digit");
    }

    /// Exhaustive: every position, every original symbol, every substitute symbol, on
    /// several unrelated bases. The code is linear, so detection depends only on the error,
    /// which makes this a proof for every number; the extra bases guard the implementation.
    #[test]
    fn every_single_substitution_is_detected() {
        let mut checked = 0u32;
        for seed in [0u64, 0x0123_4567_89ab, 0x1fff_ffff_ffff, 0x2a2a_2a2a_2a2a] {
            for pos in 0..LEN {
                for x in 0..32u8 {
                    let valid = codeword_with(pos, x, seed);
                    assert!(RegistrationNumber::parse(&encode(&valid)).is_ok());
                    for y in (0..32u8).filter(|&y| y != x) {
                        let mut typo = valid;
                        typo[pos] = y;
                        assert_eq!(
                            RegistrationNumber::parse(&encode(&typo)),
                            Err(RegistrationNumberError::CheckFailed),
                            "substitution at {pos}: {x}->{y} undetected"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 4 * 10 * 32 * 31);
    }

    #[test]
    fn every_adjacent_swap_is_detected() {
        let mut checked = 0u32;
        for seed in [0u64, 0x0123_4567_89ab, 0x1fff_ffff_ffff, 0x2a2a_2a2a_2a2a] {
            for pos in 0..LEN - 1 {
                for x in 0..32u8 {
                    for y in (0..32u8).filter(|&y| y != x) {
                        let valid = codeword_with_pair(pos, x, y, seed);
                        assert_eq!((valid[pos], valid[pos + 1]), (x, y));
                        let mut swapped = valid;
                        swapped.swap(pos, pos + 1);
                        assert_eq!(
                            RegistrationNumber::parse(&encode(&swapped)),
                            Err(RegistrationNumberError::CheckFailed),
                            "swap at {pos}: {x}<->{y} undetected"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 4 * 9 * 32 * 31);
    }

    #[test]
    fn lenient_parsing() {
        let rn = RegistrationNumber::from_random([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc]);
        let canonical = rn.to_string();
        assert_eq!(canonical.len(), 11);
        assert_eq!(&canonical[5..6], "-");
        let compact: String = canonical.chars().filter(|c| *c != '-').collect();
        for variant in [
            canonical.clone(),
            compact.clone(),
            compact.to_lowercase(),
            format!("  {} ", canonical.replace('-', " ")),
            compact.replace('0', "O").replace('1', "l"),
            compact.replace('1', "I").replace('0', "o"),
        ] {
            assert_eq!(RegistrationNumber::parse(&variant), Ok(rn), "{variant}");
        }
        assert_eq!(
            RegistrationNumber::parse("ABCD"),
            Err(RegistrationNumberError::WrongLength {
                expected: 10,
                actual: 4
            })
        );
        assert_eq!(
            RegistrationNumber::parse("UUUUU-UUUUU"),
            Err(RegistrationNumberError::InvalidCharacter)
        );
    }

    #[test]
    fn generated_numbers_are_valid_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let rn = RegistrationNumber::generate().unwrap();
            assert_eq!(RegistrationNumber::parse(&rn.to_string()), Ok(rn));
            assert!(seen.insert(rn));
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = RegistrationNumber::parse(&s);
        }

        #[test]
        fn roundtrip(bytes in any::<[u8; 6]>()) {
            let rn = RegistrationNumber::from_random(bytes);
            prop_assert_eq!(RegistrationNumber::parse(&rn.to_string()), Ok(rn));
        }
    }
}
