//! Pure types and rules: nothing here does I/O or knows AWS or HTTP.

pub mod agencies;
pub mod attachments;
pub mod calendar;
pub mod cases;
pub mod desk;
pub mod directory;
pub mod error;
pub mod geo;
pub mod i18n;
pub mod idempotency;
pub mod identity;
pub mod record;
pub mod regno;
pub mod report;
#[cfg(any(test, feature = "samples"))]
pub mod samples;
pub mod stats;
pub mod submission;
pub mod templates;
pub mod token;
pub mod whatsapp;
