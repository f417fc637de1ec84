use lambda_runtime::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // SDK client, HTTP client and configuration: once per cold start.
    let state: &'static notifier::State<lapor_shared::adapters::graph::GraphApi> =
        Box::leak(Box::new(notifier::State::from_env().await?));
    run(service_fn(move |ev| notifier::handle(state, ev))).await
}
