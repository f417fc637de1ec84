//! Adapters: implementations of the ports. Only these modules know AWS.

pub mod memory;

#[cfg(feature = "aws-config")]
pub mod aws;
#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "sqs")]
pub mod sqs;
