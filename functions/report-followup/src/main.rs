use lambda_http::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lapor_shared::http::init_tracing();
    // SDK clients and configuration: once per cold start, shared by every invocation.
    let state: &'static report_followup::State =
        Box::leak(Box::new(report_followup::State::from_env().await?));
    run(service_fn(move |req| report_followup::handle(state, req))).await
}
