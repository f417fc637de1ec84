//! Adapters: implementations of the ports. Only these modules know AWS.

pub mod env;
pub mod memory;

#[cfg(feature = "aws-config")]
pub mod aws;
#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "graph")]
pub mod graph;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "sns")]
pub mod sns;
#[cfg(feature = "sqs")]
pub mod sqs;
#[cfg(all(feature = "dynamodb", feature = "s3"))]
pub mod stores;
