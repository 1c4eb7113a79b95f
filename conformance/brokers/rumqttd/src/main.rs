//! `rumqttd CONFIG.toml`: runs the rumqttd broker library with a configuration file, as the
//! `rumqttd` binary of the same crate version does (same configuration format and loader), with
//! warnings and errors on stderr. SIGTERM and SIGINT end the process (the default actions): the
//! broker keeps nothing on disk.

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: rumqttd CONFIG.toml");
        std::process::exit(2);
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter("rumqttd=warn")
        .init();
    let config: rumqttd::Config = match config::Config::builder()
        .add_source(config::File::new(&path, config::FileFormat::Toml))
        .build()
        .and_then(config::Config::try_deserialize)
    {
        Ok(config) => config,
        Err(e) => {
            eprintln!("rumqttd: {path}: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = rumqttd::Broker::new(config).start() {
        eprintln!("rumqttd: {e}");
        std::process::exit(1);
    }
}
