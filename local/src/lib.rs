//! The local stack: the SAM template's resources on moto, and its HTTP API routes served
//! by the real handlers on 127.0.0.1.

pub mod provision;
pub mod server;
pub mod stack;
pub mod template;
