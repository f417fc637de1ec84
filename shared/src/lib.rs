//! The Lapor domain, its ports and its adapters.
//!
//! Everything outside [`adapters`] and [`lambda`] is free of AWS types: registration
//! numbers, tracking tokens, identity validation, the report lifecycle, the working-day
//! calendar, categories and the use cases in [`service`].

pub mod adapters;
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
pub mod ports;
pub mod regno;
pub mod report;
pub mod service;
pub mod stats;
pub mod submission;
pub mod token;
pub mod whatsapp;
pub mod workflow;

#[cfg(feature = "lambda")]
pub mod lambda;
