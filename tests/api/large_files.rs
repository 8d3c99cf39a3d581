//! Files of tens of MiB: what they cost the server's memory and its WAL, found by the attack run
//! of 2026-11-29 (issue 11). Measured on the server's own process.

use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;
use serde_json::{json, Value};

use crate::helpers::ServerProcess;

const KEY: &str = "large-files-owner-key-7a6b5c4d3e2f1a0b";
const MIB: usize = 1024 * 1024;

/// The highest resident memory of the server, in MB, while `work` runs.
fn peak_rss_mb_during<T>(server: &ServerProcess, work: impl FnOnce() -> T + Send) -> (T, u64) {
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let sampler = scope.spawn(|| {
            let mut peak = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(server.status_kb("VmRSS"));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak / 1024
        });
        let result = work();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        (result, sampler.join().unwrap())
    })
}

#[test]
fn uploads_leave_a_bounded_wal_and_downloads_stream_in_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("large.db");
    // Room for eight uploads at once (each counts three times its 44 MB body).
    let server = ServerProcess::start(
        &db,
        &[("ADMIN_API_KEY", KEY)],
        &["--max-body-memory-mb", "1100"],
    );
    let dataset = server.first_dataset(KEY);
    let headers = [("Authorization", KEY), ("TR-Dataset", dataset.as_str())];
    // 32 MiB that do not compress, as an upload of a binary file.
    let content: Vec<u8> = (0..32 * MIB as u64)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let body = json!({"base64_file": URL_SAFE.encode(&content), "file_name": "big.bin",
                      "file_mime_type": "application/octet-stream", "create_chunks": false})
    .to_string();

    // Eight uploads at once: afterwards the server gives the memory back.
    let ids: Vec<String> = std::thread::scope(|scope| {
        let uploads: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| server.request_raw("POST", "/api/file", &headers, body.as_bytes()))
            })
            .collect();
        uploads
            .into_iter()
            .map(|upload| {
                let (status, answer) = upload.join().unwrap();
                assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
                let answer: Value = serde_json::from_slice(&answer).unwrap();
                answer["file_metadata"]["id"].as_str().unwrap().to_string()
            })
            .collect()
    });
    drop(body);
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.status_kb("VmRSS") / 1024 >= 100 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let after_uploads = server.status_kb("VmRSS") / 1024;
    assert!(
        after_uploads < 100,
        "{after_uploads} MB resident after the uploads"
    );

    // The WAL the uploads went through is folded back and cut to its bound by the next write.
    let (status, _) = server.request(
        "POST",
        "/api/chunk",
        &headers,
        Some(&json!({"chunk_html": "<p>small</p>"})),
    );
    assert_eq!(status, 200);
    let wal = std::fs::metadata(trieve_lite::db::sibling_file(&db, "-wal"))
        .unwrap()
        .len() as usize;
    assert!(wal <= 64 * MIB, "the WAL is {} MiB", wal / MIB);

    // Twenty downloads at once, raw and as base64 JSON: a piece each in memory, not the file.
    let before = server.status_kb("VmRSS") / 1024;
    let process = &server;
    let (answers, peak) = peak_rss_mb_during(process, || {
        std::thread::scope(|scope| {
            let downloads: Vec<_> = (0..20)
                .map(|n| {
                    let (id, headers) = (&ids[n % ids.len()], &headers);
                    scope.spawn(move || {
                        let path = if n % 4 == 0 {
                            format!("/api/file/{id}")
                        } else {
                            format!("/api/file/{id}/download")
                        };
                        (n % 4 == 0, process.request_raw("GET", &path, headers, b""))
                    })
                })
                .collect();
            downloads
                .into_iter()
                .map(|d| d.join().unwrap())
                .collect::<Vec<_>>()
        })
    });
    for (as_json, (status, bytes)) in answers {
        assert_eq!(status, 200);
        if as_json {
            let file: Value = serde_json::from_slice(&bytes).unwrap();
            let decoded = URL_SAFE
                .decode(file["base64url_content"].as_str().unwrap())
                .unwrap();
            assert!(decoded == content, "the base64 content differs");
        } else {
            assert!(bytes == content, "the downloaded bytes differ");
        }
    }
    assert!(
        peak.saturating_sub(before) < 100,
        "20 downloads of 32 MiB took the server from {before} MB to {peak} MB"
    );
}
