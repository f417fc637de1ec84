//! The integration tests: the real handlers, through the real AWS SDK, against moto's server
//! (`LAPOR_TEST_ENDPOINT`, started by `scripts/test`), each test in its own tables and
//! queues. One test binary, so a build links the functions and the SDK once; the fault tests,
//! which load moto on purpose, are a binary of their own (`tests/faults.rs`).

mod api;
mod attachments;
mod costs;
mod desk;
mod disposition;
mod stats;
mod status_notifications;
mod whatsapp;
mod workflow;
