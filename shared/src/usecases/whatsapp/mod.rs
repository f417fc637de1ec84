//! The WhatsApp channel's use cases: the webhook's and the worker's.

pub mod webhook;
pub mod worker;
