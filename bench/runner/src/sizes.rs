//! Package sizes: the zip cargo-lambda makes for arm64 (what is deployed), the binary inside
//! it, and the host (x86_64) binary the cold starts ran.

use std::path::Path;

use serde::Serialize;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Serialize)]
pub struct Size {
    pub binary: String,
    pub zip_arm64: u64,
    pub unzipped_arm64: u64,
    pub binary_x86_64: Option<u64>,
}

fn u16_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?) as u64)
}

fn u32_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?) as u64)
}

/// The sum of the uncompressed sizes in a zip's central directory.
pub fn unzipped_size(zip: &[u8]) -> Option<u64> {
    // End of central directory: signature 0x06054b50, at most 64 KiB of comment after it.
    let from = zip.len().saturating_sub(22 + 65_535);
    let eocd = (from..=zip.len().saturating_sub(22))
        .rev()
        .find(|&i| zip.get(i..i + 4) == Some(&[0x50, 0x4b, 0x05, 0x06]))?;
    let entries = u16_at(zip, eocd + 10)?;
    let mut at = u32_at(zip, eocd + 16)? as usize;
    let mut total = 0;
    for _ in 0..entries {
        if zip.get(at..at + 4) != Some(&[0x50, 0x4b, 0x01, 0x02]) {
            return None;
        }
        total += u32_at(zip, at + 24)?;
        let name = u16_at(zip, at + 28)? as usize;
        let extra = u16_at(zip, at + 30)? as usize;
        let comment = u16_at(zip, at + 32)? as usize;
        at += 46 + name + extra + comment;
    }
    Some(total)
}

pub fn measure(
    binaries: &[String],
    arm64_dir: &Path,
    x86_dir: &Path,
) -> Result<Vec<Size>, BoxError> {
    let mut out = Vec::new();
    for b in binaries {
        let zip_path = arm64_dir.join(b).join("bootstrap.zip");
        let zip = std::fs::read(&zip_path)
            .map_err(|e| format!("{}: {e} (build it first)", zip_path.display()))?;
        out.push(Size {
            binary: b.clone(),
            zip_arm64: zip.len() as u64,
            unzipped_arm64: unzipped_size(&zip).ok_or("not a zip")?,
            binary_x86_64: std::fs::metadata(x86_dir.join(b).join("bootstrap"))
                .ok()
                .map(|m| m.len()),
        });
    }
    Ok(out)
}
