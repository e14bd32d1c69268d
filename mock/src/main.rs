//! `servicetitan-mock`: the stand-in ServiceTitan as a server for any language.

use servicetitan_mock::{cli, MockServer};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{}", cli::usage());
        return;
    }
    let cli = match cli::parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("servicetitan-mock: {e}\n\n{}", cli::usage());
            std::process::exit(2);
        }
    };
    let started = std::time::Instant::now();
    let mock = match MockServer::start(cli.settings).await {
        Ok(m) => m,
        Err(e) => {
            eprintln!("servicetitan-mock: {e}");
            std::process::exit(1);
        }
    };
    for (target, faults) in cli.rules {
        mock.on(target, faults);
    }
    let ops = mock.api().operations().count();
    println!(
        "servicetitan-mock ready in {} ms: {ops} operations; ST_AUTH_URL={url} ST_API_URL={url} (token endpoint {url}/connect/token)",
        started.elapsed().as_millis(),
        url = mock.url()
    );
    let _ = tokio::signal::ctrl_c().await;
}
