use lambda_runtime::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // SDK clients and configuration: once per cold start, shared by every invocation.
    let state: &'static forwarder::State = Box::leak(Box::new(forwarder::State::from_env().await?));
    run(service_fn(move |ev| forwarder::handle(state, ev))).await
}
