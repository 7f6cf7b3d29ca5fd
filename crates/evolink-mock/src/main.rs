//! `evolink-mock`: run the fake EvoLink server for people and end-to-end tests.
//!
//! ```text
//! evolink-mock [--port N] [--host IP] [--key KEY]... [--balance CREDITS] [--time-scale X]
//!              [--generation-secs S] [--pending-secs S] [--result-ttl SECS] [--seed N]
//!              [--blocked-word WORD]... [--unavailable-model ID]... [--max-files N]
//!              [--concurrency-limit N] [--public-base URL] [--faults FILE.json]
//!              [--media-file FILE]
//! ```
//! The first line on stdout is the base URL (`http://127.0.0.1:PORT`), also with `--port 0`.
//! Default key: `sk-mock-0000000000000000`. The fault file is the JSON form of `Faults`
//! (see the crate docs); it can be changed at run time with `PUT /__mock/faults`.

use std::io::Write;
use std::time::Duration;

use evolink_mock::{Faults, MockConfig, MockServer};

const USAGE: &str = "usage: evolink-mock [--port N] [--host IP] [--key KEY]... [--balance CREDITS] [--time-scale X] \
[--generation-secs S] [--pending-secs S] [--result-ttl SECS] [--seed N] [--blocked-word WORD]... \
[--unavailable-model ID]... [--max-files N] [--concurrency-limit N] [--public-base URL] [--faults FILE.json] [--media-file FILE]";

fn parse_args(args: Vec<String>) -> Result<MockConfig, String> {
    let mut cfg = MockConfig::default();
    let mut keys = Vec::new();
    let mut host: std::net::IpAddr = [127, 0, 0, 1].into();
    let mut port: u16 = 0;
    let mut it = args.into_iter();
    fn num<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
        let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
        v.parse()
            .map_err(|_| format!("{flag}: not a valid number: {v}"))
    }
    while let Some(a) = it.next() {
        match a.as_str() {
            "--port" => port = num("--port", it.next())?,
            "--host" => host = num("--host", it.next())?,
            "--key" => keys.push(it.next().ok_or("--key needs a value")?),
            "--balance" => cfg.balance = num("--balance", it.next())?,
            "--time-scale" => cfg.time_scale = num("--time-scale", it.next())?,
            "--generation-secs" => cfg.generation_secs = num("--generation-secs", it.next())?,
            "--pending-secs" => cfg.pending_secs = num("--pending-secs", it.next())?,
            "--result-ttl" => cfg.result_ttl = Duration::from_secs(num("--result-ttl", it.next())?),
            "--seed" => cfg.seed = num("--seed", it.next())?,
            "--max-files" => cfg.max_files = num("--max-files", it.next())?,
            "--concurrency-limit" => {
                let n: u32 = num("--concurrency-limit", it.next())?;
                if n == 0 {
                    return Err("--concurrency-limit must be at least 1".into());
                }
                cfg.concurrency_limit = Some(n);
            }
            "--blocked-word" => cfg
                .blocked_words
                .push(it.next().ok_or("--blocked-word needs a value")?),
            "--unavailable-model" => cfg
                .unavailable_models
                .push(it.next().ok_or("--unavailable-model needs a value")?),
            "--public-base" => {
                cfg.public_base = Some(it.next().ok_or("--public-base needs a value")?)
            }
            "--faults" => {
                let path = it.next().ok_or("--faults needs a file")?;
                let text =
                    std::fs::read_to_string(&path).map_err(|e| format!("--faults {path}: {e}"))?;
                cfg.faults = serde_json::from_str::<Faults>(&text)
                    .map_err(|e| format!("--faults {path}: {e}"))?;
            }
            "--media-file" => {
                let path = it.next().ok_or("--media-file needs a file")?;
                let data = std::fs::read(&path).map_err(|e| format!("--media-file {path}: {e}"))?;
                cfg.media_file = Some(data.into());
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    if !keys.is_empty() {
        cfg.keys = keys;
    }
    if !cfg.time_scale.is_finite() || cfg.time_scale <= 0.0 {
        return Err("--time-scale must be above 0".into());
    }
    cfg.bind = (host, port).into();
    Ok(cfg)
}

fn main() {
    let cfg = match parse_args(std::env::args().skip(1).collect()) {
        Ok(c) => c,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("evolink-mock: {e}");
            }
            eprintln!("{USAGE}");
            std::process::exit(if e.is_empty() { 0 } else { 2 });
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("evolink-mock: cannot start: {e}");
            std::process::exit(1);
        }
    };
    rt.block_on(async move {
        let keys = cfg.keys.len();
        let scale = cfg.time_scale;
        let server = match MockServer::start(cfg).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("evolink-mock: cannot listen: {e}");
                std::process::exit(1);
            }
        };
        // The banner goes out before the address line, so whoever waits for that line can
        // also rely on the banner having been written.
        eprintln!(
            "evolink-mock: serving the task and file APIs at {} ({keys} key(s), time x{scale}); Ctrl-C stops",
            server.base_url()
        );
        let mut out = std::io::stdout();
        let _ = writeln!(out, "{}", server.base_url());
        let _ = out.flush();
        let _ = tokio::signal::ctrl_c().await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn flags() {
        let c = parse_args(args("--port 0 --key sk-a --key sk-b --balance 50 --time-scale 10 --result-ttl 5 --blocked-word nsfw")).unwrap();
        assert_eq!(c.keys, vec!["sk-a", "sk-b"]);
        assert_eq!(c.balance, 50.0);
        assert_eq!(c.time_scale, 10.0);
        assert_eq!(c.result_ttl, Duration::from_secs(5));
        assert!(c.blocked_words.contains(&"nsfw".to_string()));
        assert_eq!(c.bind.port(), 0);
        assert_eq!(c.concurrency_limit, None, "no limit by default");
        let c = parse_args(args("--concurrency-limit 3")).unwrap();
        assert_eq!(c.concurrency_limit, Some(3));
        assert!(parse_args(args("--concurrency-limit 0")).is_err());
        assert!(parse_args(args("--concurrency-limit")).is_err());
        assert!(parse_args(args("--bogus")).is_err());
        assert!(parse_args(args("--port x")).is_err());
        assert!(parse_args(args("--time-scale 0")).is_err());
    }
}
