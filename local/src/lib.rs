//! The local stack: the SAM template's resources on moto, its HTTP API routes served by the
//! real handlers on 127.0.0.1, and its SQS and DynamoDB stream event sources and schedules
//! driven as AWS drives them.

pub mod auth;
pub mod events;
pub mod fake_graph;
pub mod provision;
pub mod server;
pub mod stack;
pub mod streams;
pub mod template;
