use lambda_runtime::{Error, run, service_fn};
use lapor_shared::adapters::{aws, env::ProcessEnv};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // Once per process: one SDK configuration, the clients and the state built from it.
    let config = aws::sdk_config().await;
    let state: &'static notifications::State =
        Box::leak(Box::new(notifications::build(&config, &ProcessEnv)?));
    run(service_fn(move |ev| notifications::handle(state, ev))).await
}
