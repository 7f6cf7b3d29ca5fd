//! Makes the still of a video, as the app does when it saves one, and says how long it took.
//!
//! ```text
//! cargo run --release -p sora-poster --example still -- VIDEO.mp4 STILL.jpg
//! ```

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [video, out] = args.as_slice() else {
        eprintln!("usage: still VIDEO.mp4 STILL.jpg");
        std::process::exit(2);
    };
    let start = Instant::now();
    match sora_poster::still_of(video.as_ref()) {
        Ok(still) => {
            std::fs::write(out, &still.jpeg).expect("the still is written");
            println!(
                "{}x{}, {} bytes, {:.1} ms",
                still.width,
                still.height,
                still.jpeg.len(),
                start.elapsed().as_secs_f64() * 1000.0
            );
        }
        Err(e) => {
            eprintln!("no still: {e} ({})", e.code());
            std::process::exit(1);
        }
    }
}
