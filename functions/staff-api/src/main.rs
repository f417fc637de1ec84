use lambda_http::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lapor_shared::http::init_tracing();
    // SDK clients and configuration: once per cold start, shared by every invocation.
    let state: &'static staff_api::State = Box::leak(Box::new(staff_api::State::from_env().await?));
    run(service_fn(move |req| staff_api::handle(state, req))).await
}
