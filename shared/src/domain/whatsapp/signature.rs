//! `X-Hub-Signature-256`: HMAC-SHA256 of the raw request body under the app secret, sent as
//! `sha256=<64 hex digits>`. Checked over the exact bytes received, before any parsing.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Whether `header` is the signature of `raw_body` under `secret`. The comparison is in
/// constant time (`Mac::verify_slice`); a missing, malformed or wrong header, or an empty
/// secret (misconfiguration), is refused.
pub fn verify_signature(secret: &[u8], raw_body: &[u8], header: Option<&str>) -> bool {
    if secret.is_empty() {
        return false;
    }
    let Some(hex_sig) = header.map(str::trim).and_then(|h| {
        h.strip_prefix("sha256=")
            .or_else(|| h.strip_prefix("SHA256="))
    }) else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_sig) else {
        return false;
    };
    if expected.len() != 32 {
        return false;
    }
    let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
        return false;
    };
    mac.update(raw_body);
    mac.verify_slice(&expected).is_ok()
}

/// The header value for a body (tests, the local fake sender).
pub fn sign(secret: &[u8], raw_body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(raw_body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test-app-secret-lapor";

    #[test]
    fn verifies_and_refuses() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let good = sign(SECRET, body);
        assert!(verify_signature(SECRET, body, Some(&good)));
        assert!(verify_signature(
            SECRET,
            body,
            Some(&good.to_uppercase().replace("SHA256=", "sha256="))
        ));
        assert!(!verify_signature(SECRET, body, None));
        assert!(!verify_signature(SECRET, body, Some("")));
        assert!(!verify_signature(SECRET, body, Some(&good[7..])));
        assert!(!verify_signature(SECRET, body, Some("sha256=zz")));
        assert!(!verify_signature(
            SECRET,
            body,
            Some(&good[..good.len() - 2])
        ));
        assert!(!verify_signature(b"other", body, Some(&good)));
        assert!(!verify_signature(b"", body, Some(&good)));
        let mut tampered = body.to_vec();
        tampered[3] ^= 1;
        assert!(!verify_signature(SECRET, &tampered, Some(&good)));
    }

    /// The product fixtures with the signatures Meta would send.
    #[test]
    fn fixture_signatures() {
        let fixtures: [(&[u8], &str); 4] = [
            (
                include_bytes!("../../../../tests/fixtures/whatsapp/text_message.json"),
                "sha256=3018f8bffd2a2a336fd5bc1b4470bb26b9f0648612fb051e82ab3dcf68911366",
            ),
            (
                include_bytes!("../../../../tests/fixtures/whatsapp/image_message.json"),
                "sha256=364b36d194b73a62c6dbee31a4874455538180b84ef9e0e6db6b0b507534e3ea",
            ),
            (
                include_bytes!("../../../../tests/fixtures/whatsapp/document_message.json"),
                "sha256=e2148c2343e9efc2d0a7e4316a550dfdc1a170746baf0287f56fbc4b418025ad",
            ),
            (
                include_bytes!("../../../../tests/fixtures/whatsapp/status_delivered.json"),
                "sha256=b54bc1eb71a59bda87bed2742f1f96ba2962900397b1d3a53582d71b9fdab1ab",
            ),
        ];
        for (body, header) in fixtures {
            assert!(verify_signature(SECRET, body, Some(header)));
            assert_eq!(sign(SECRET, body), header);
            assert!(!verify_signature(b"wrong-secret", body, Some(header)));
        }
    }
}
