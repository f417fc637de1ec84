//! Identity fields of a reporter: NIK, Indonesian phone numbers, e-mail.
//! Errors never carry the value that was checked.

use crate::domain::geo;

/// Why a NIK (Nomor Induk Kependudukan) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NikError {
    #[error("a NIK has exactly 16 digits")]
    Format,
    #[error("the first two digits are not a province code")]
    Province,
    #[error("digits 7 to 12 are not a valid date of birth (day + 40 for women)")]
    BirthDate,
    #[error("the last four digits cannot be 0000")]
    Serial,
}

/// A checked NIK (16 digits: province, regency, district, DDMMYY with DD+40 for women, serial).
#[derive(Clone, PartialEq, Eq)]
pub struct Nik(String);

impl std::fmt::Debug for Nik {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Nik(<redacted>)")
    }
}

impl Nik {
    pub fn parse(input: &str) -> Result<Self, NikError> {
        let digits: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .collect();
        if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NikError::Format);
        }
        let b = digits.as_bytes();
        let two = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
        if geo::province(&digits[..2]).is_none() {
            return Err(NikError::Province);
        }
        let (mut day, month, yy) = (two(6), two(8), two(10));
        if day > 40 {
            day -= 40;
        }
        let month = time::Month::try_from(month).map_err(|_| NikError::BirthDate)?;
        // The century is not encoded: accept the date if it exists in 19yy or 20yy
        // (29 February is valid in 2000 but not in 1900).
        let exists = [1900, 2000].iter().any(|century| {
            time::Date::from_calendar_date(century + i32::from(yy), month, day).is_ok()
        });
        if day == 0 || !exists {
            return Err(NikError::BirthDate);
        }
        if &digits[12..] == "0000" {
            return Err(NikError::Serial);
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An Indonesian phone number normalised to `+62…`.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Phone(<redacted>)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an Indonesian phone number")]
pub struct PhoneError;

impl Phone {
    /// Accepts the usual spellings: `0812-3456-7890`, `0812 3456 7890`, `+62 812 3456 7890`,
    /// `62812…`, `(021) 345-6789`, `+62 (21) 3456789`, `812…`.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        let (plus, rest) = match trimmed.strip_prefix('+') {
            Some(r) => (true, r),
            None => (false, trimmed),
        };
        let mut digits = String::with_capacity(16);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(PhoneError),
            }
        }
        let national = if let Some(n) = digits.strip_prefix("62") {
            n.strip_prefix('0').unwrap_or(n)
        } else if plus {
            return Err(PhoneError); // another country's code
        } else if let Some(n) = digits.strip_prefix('0') {
            n
        } else {
            digits.as_str()
        };
        // National significant number: mobile 8xx… (9–12 digits) or an area code 2x–9x
        // followed by the subscriber number (8–11 digits in all).
        let ok_len = match national.as_bytes().first() {
            Some(b'8') => (9..=12).contains(&national.len()),
            Some(b'2'..=b'9') => (8..=11).contains(&national.len()),
            _ => false,
        };
        if !ok_len {
            return Err(PhoneError);
        }
        Ok(Self(format!("+62{national}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A plausible e-mail address (syntax only; deliverability is not our business here).
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && s.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && s.matches('@').count() == 1
        && domain.split('.').all(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nik_checks() {
        // Jakarta Pusat, born 12-08-1990, man.
        assert!(Nik::parse("3171011208900001").is_ok());
        // Woman: day + 40.
        assert!(Nik::parse("3171015208900001").is_ok());
        assert!(Nik::parse("3171 0152 0890 0001").is_ok());
        assert_eq!(Nik::parse("317101120890000"), Err(NikError::Format));
        assert_eq!(Nik::parse("31710112089000a1"), Err(NikError::Format));
        assert_eq!(Nik::parse("2071011208900001"), Err(NikError::Province));
        assert_eq!(Nik::parse("9971011208900001"), Err(NikError::Province));
        assert_eq!(Nik::parse("3171013208900001"), Err(NikError::BirthDate)); // day 32
        assert_eq!(Nik::parse("3171017208900001"), Err(NikError::BirthDate)); // day 72-40=32
        assert_eq!(Nik::parse("3171010013900001"), Err(NikError::BirthDate)); // day 0
        assert_eq!(Nik::parse("3171011213900001"), Err(NikError::BirthDate)); // month 13
        assert_eq!(Nik::parse("3171013102900001"), Err(NikError::BirthDate)); // 31 Feb
        assert!(Nik::parse("3171012902000001").is_ok()); // 29 Feb 2000
        assert_eq!(Nik::parse("3171012902010001"), Err(NikError::BirthDate)); // 29 Feb 01
        assert_eq!(Nik::parse("3171011208900000"), Err(NikError::Serial));
        // New Papua provinces.
        assert!(Nik::parse("9601011208900001").is_ok());
    }

    #[test]
    fn phone_spellings() {
        for s in [
            "081234567890",
            "0812-3456-7890",
            "0812 3456 7890",
            "+62 812 3456 7890",
            "+62-812-3456-7890",
            "6281234567890",
            "+62 (0)812 3456 7890",
            "81234567890",
        ] {
            assert_eq!(
                Phone::parse(s).map(|p| p.0),
                Ok("+6281234567890".to_string()),
                "{s}"
            );
        }
        assert_eq!(
            Phone::parse("(021) 3456-789").map(|p| p.0),
            Ok("+62213456789".into())
        );
        for s in [
            "",
            "0812",
            "+1 415 555 0100",
            "0812345678901234",
            "0812-3456-78x0",
            "000000000",
        ] {
            assert_eq!(Phone::parse(s), Err(PhoneError), "{s}");
        }
    }

    #[test]
    fn email_syntax() {
        assert!(valid_email("warga@example.id"));
        assert!(!valid_email("warga@example"));
        assert!(!valid_email("warga example@x.id"));
        assert!(!valid_email("@x.id"));
        assert!(!valid_email("a@b@c.id"));
    }

    #[test]
    fn debug_output_redacts() {
        let nik = Nik::parse("3171011208900001").unwrap();
        let phone = Phone::parse("081234567890").unwrap();
        assert!(!format!("{nik:?}{phone:?}").contains("3171"));
        assert!(!format!("{phone:?}").contains("812"));
    }

    proptest! {
        #[test]
        fn nik_parse_never_panics(s in "\\PC{0,40}") { let _ = Nik::parse(&s); }

        #[test]
        fn nik_any_16_digits_never_panics(s in "[0-9]{16}") { let _ = Nik::parse(&s); }

        #[test]
        fn phone_parse_never_panics(s in "\\PC{0,40}") { let _ = Phone::parse(&s); }

        #[test]
        fn phone_normalised_form_is_stable(n in "8[1-9][0-9]{7,10}") {
            let p = Phone::parse(&format!("0{n}")).unwrap();
            prop_assert_eq!(Phone::parse(p.as_str()).unwrap(), p.clone());
            prop_assert!(p.as_str().starts_with("+628"));
        }

        #[test]
        fn email_never_panics(s in "\\PC{0,300}") { let _ = valid_email(&s); }
    }
}
