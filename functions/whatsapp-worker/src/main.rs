use lambda_runtime::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // SDK clients, the Graph API client and configuration: once per cold start.
    let state: &'static whatsapp_worker::State =
        Box::leak(Box::new(whatsapp_worker::State::from_env().await?));
    run(service_fn(move |ev| whatsapp_worker::handle(state, ev))).await
}
