use lambda_runtime::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // SDK client and configuration: once per cold start, shared by every invocation.
    let state: &'static sla_monitor::State =
        Box::leak(Box::new(sla_monitor::State::from_env().await?));
    run(service_fn(move |ev| sla_monitor::handle(state, ev))).await
}
