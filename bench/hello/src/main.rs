//! The baseline the benchmarks compare every function with: the smallest `lambda_runtime`
//! function (no SDK, no tracing), built with the same profile and the same cargo-lambda
//! command as the real ones.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::{Value, json};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run(service_fn(|_event: LambdaEvent<Value>| async {
        Ok::<Value, Error>(json!({"hello": "world"}))
    }))
    .await
}
