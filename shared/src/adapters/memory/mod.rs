//! In-memory adapters with the same semantics as the AWS ones, for unit tests of the use
//! cases and in-process benchmarks:
//!
//! - [`store`]: every storage port (reports, workflow, outbox, agencies), all or nothing,
//!   with the optimistic version check, the triage queue's order and paging, and fault
//!   injection (conflicts, outages);
//! - [`queues`]: FIFO hand-off queues, queue onboarding and the forwarding trigger, recording
//!   each kick;
//! - [`attachments`]: the attachment bucket, enforcing an issued upload target's type and
//!   size like S3 enforces the POST policy;
//! - [`stats`]: the statistics counters;
//! - [`whatsapp`]: the WhatsApp conversation store and Graph API.

pub mod attachments;
pub mod queues;
pub mod stats;
pub mod store;
pub mod whatsapp;
