//! The Lapor service's code, in layers whose imports point inward only:
//!
//! - [`domain`]: pure types and rules (reports and their lifecycle, numbers, tokens,
//!   identity, validation, the working-day calendar, cases, attachments, the desk,
//!   statistics, the directory, errors). No I/O, no AWS, no HTTP.
//! - [`ports`]: the traits the use cases need from the outside world.
//! - [`usecases`]: what citizens, staff, agencies and the scheduled functions do, on ports.
//! - [`adapters`]: the ports implemented on DynamoDB, SQS, S3, the WhatsApp Graph API and
//!   in memory, and the one SDK configuration of a process.
//! - [`http`]: the glue between Lambda's events and the use cases, and the one mapping of
//!   errors to HTTP answers.

pub mod adapters;
pub mod domain;
pub mod ports;
pub mod usecases;

#[cfg(any(feature = "lambda", feature = "events"))]
pub mod http;
