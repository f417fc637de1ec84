//! Glue between Lambda and the use cases, shared by every function:
//!
//! - [`request`]: HTTP requests and answers (feature `lambda`);
//! - [`error`]: the one mapping of errors to HTTP answers (feature `lambda`);
//! - [`sqs`]: SQS batches and their partial batch responses (feature `events`).

#[cfg(feature = "lambda")]
pub mod error;
#[cfg(feature = "lambda")]
pub mod request;
#[cfg(feature = "events")]
pub mod sqs;
