use lambda_http::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lapor_shared::http::request::init_tracing();
    run(service_fn(list_regions::handle)).await
}
