//! Resuming an interrupted download with an HTTP range, against the fake server's media host.

mod common;

use std::time::Duration;

use common::*;
use evolink::VideoRequest;
use sora_engine::download::download;

async fn finished_video_url(server: &evolink_mock::MockServer) -> String {
    let client = client(server);
    let created = client
        .create_video(
            &VideoRequest::sora("A kite on a beach", "16:9", 4),
            "download-test-00000001",
        )
        .await
        .unwrap();
    for _ in 0..400 {
        if let Some(url) = client.get_task(&created.task.id).await.unwrap().video_url() {
            return url;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the task never completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_download_continues_from_what_is_on_disk() {
    let server = mock(mock_config()).await;
    let url = finished_video_url(&server).await;
    let clip = std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../evolink-mock/assets/landscape.mp4"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = client(&server);

    // A clean prefix, as a dropped connection leaves it: the rest is fetched, the whole verifies.
    let part = dir.path().join(".a.mp4.part");
    std::fs::write(&part, &clip[..40_000]).unwrap();
    let saved = download(client.media(), &url, &part).await.unwrap();
    assert_eq!(saved.size, clip.len() as u64);
    assert_eq!(saved.sha256, served_clip_sha("16:9"));
    assert_eq!(std::fs::read(&part).unwrap(), clip);

    // Proof that only the missing bytes were requested: a prefix with wrong bytes in its middle
    // stays wrong (a download from zero would have replaced them).
    let part = dir.path().join(".b.mp4.part");
    let mut prefix = clip[..40_000].to_vec();
    prefix[1000..2000].fill(0);
    std::fs::write(&part, &prefix).unwrap();
    let saved = download(client.media(), &url, &part).await.unwrap();
    assert_eq!(saved.size, clip.len() as u64);
    assert_ne!(saved.sha256, served_clip_sha("16:9"));
    let on_disk = std::fs::read(&part).unwrap();
    assert_eq!(&on_disk[40_000..], &clip[40_000..]);

    // A part file that already holds everything is finished without downloading again.
    let part = dir.path().join(".c.mp4.part");
    std::fs::write(&part, &clip).unwrap();
    let before = server.counters().media_requests;
    let saved = download(client.media(), &url, &part).await.unwrap();
    assert_eq!(saved.sha256, served_clip_sha("16:9"));
    assert_eq!(
        server.counters().media_requests,
        before + 1,
        "one request, answered 416"
    );

    // What is not a video (a proxy's error page, say) is thrown away, never kept as one.
    let part = dir.path().join(".d.mp4.part");
    std::fs::write(&part, b"<html>oops</html>").unwrap();
    let error = download(client.media(), &url, &part).await.unwrap_err();
    assert!(error.retryable(), "{error:?}");
    assert!(
        !part.exists(),
        "the bad bytes are gone; the next attempt starts from zero"
    );
    let saved = download(client.media(), &url, &part).await.unwrap();
    assert_eq!(saved.sha256, served_clip_sha("16:9"));
}
