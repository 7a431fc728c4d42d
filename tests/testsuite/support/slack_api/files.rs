//! Files as the fake serves them: file objects as the Web API shows them, deterministic bytes
//! for files only known by id and size (valid PNGs for images, so a browser can show them),
//! and the login page Slack answers a download without a valid token with.

use serde_json::{Value, json};

use super::workspace::ORIGIN;

/// FNV-1a: a stable hash of bytes, for generated content and URL hashes.
pub fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// The file object a message's "files" carries (the fields clients use).
pub fn file_object(team: &str, id: &str, name: &str, mimetype: &str, bytes: &[u8]) -> Value {
    let url_name = name.replace(' ', "_");
    let (filetype, pretty) = match mimetype {
        "image/png" => ("png", "PNG"),
        "image/jpeg" => ("jpg", "JPEG"),
        "image/gif" => ("gif", "GIF"),
        "application/pdf" => ("pdf", "PDF"),
        "text/plain" => ("text", "Plain Text"),
        _ => ("binary", "Binary"),
    };
    let title = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let mut f = json!({
        "id": id, "created": 1_500_000_000, "timestamp": 1_500_000_000, "name": name,
        "title": title, "mimetype": mimetype, "filetype": filetype, "pretty_type": pretty,
        "size": bytes.len(), "mode": "hosted", "is_external": false, "is_public": true,
        "url_private": format!("{ORIGIN}/files-pri/{team}-{id}/{url_name}"),
        "url_private_download": format!("{ORIGIN}/files-pri/{team}-{id}/download/{url_name}"),
        "permalink": format!("https://fake.slack.com/files/U0/{id}/{url_name}"),
    });
    if mimetype.starts_with("image/") {
        // Thumbnails serve the original's bytes; their sizes are what Slack would scale to.
        let (w, h) = png_size(bytes).unwrap_or((1, 1));
        f["original_w"] = json!(w);
        f["original_h"] = json!(h);
        for edge in [64u32, 80, 360, 480] {
            let key = format!("thumb_{edge}");
            f[&key] = json!(format!(
                "{ORIGIN}/files-tmb/{team}-{id}-fake/{id}_{edge}.png"
            ));
            if edge >= 360 {
                let scale = (f64::from(edge) / f64::from(w.max(h))).min(1.0);
                f[format!("{key}_w")] = json!((f64::from(w) * scale).round().max(1.0) as u32);
                f[format!("{key}_h")] = json!((f64::from(h) * scale).round().max(1.0) as u32);
            }
        }
    }
    f
}

/// `size` bytes derived from the file id: a PNG (padded with a private chunk) for images,
/// pseudo-random bytes otherwise.
pub fn generated_bytes(id: &str, mimetype: &str, size: usize) -> Vec<u8> {
    let seed = hash(id.as_bytes());
    if mimetype.starts_with("image/") {
        return png(16, 12, seed, size);
    }
    let mut state = seed | 1;
    (0..size)
        .map(|_| {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// A valid RGB PNG of `w`×`h` in a colour from `seed`, padded to at least `size` bytes with an
/// ancillary private chunk that decoders skip.
pub fn png(w: u32, h: u32, seed: u64, size: usize) -> Vec<u8> {
    let [r, g, b, ..] = seed.to_le_bytes();
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0); // filter: none
        for x in 0..w {
            let shade = ((x + y) * 4) as u8;
            raw.extend_from_slice(&[r ^ shade, g, b]);
        }
    }
    // zlib with stored (uncompressed) deflate blocks.
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    z.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    let fixed = out.len() + 12 + 12; // IEND, and the padding chunk's own framing
    if size > fixed {
        let padding: Vec<u8> = (0..size - fixed)
            .map(|i| (seed >> (i % 8 * 8)) as u8)
            .collect();
        chunk(&mut out, b"paDg", &padding);
    }
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Width and height from a PNG's IHDR.
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || !bytes.starts_with(b"\x89PNG") {
        return None;
    }
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    Some((be(16), be(20)))
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// What files.slack.com answers a download without a valid token: a login page, status 200.
pub const LOGIN_PAGE: &str = "<!DOCTYPE html>\n<html lang=\"en-US\"><head><meta charset=\"utf-8\">\
<title>Slack</title></head><body><div id=\"page\"><h1>Sign in to Slack</h1>\
<p>Enter your workspace&#8217;s Slack URL.</p><form action=\"/signin\" method=\"post\">\
<input type=\"text\" name=\"domain\"><button type=\"submit\">Continue</button></form>\
</div></body></html>\n";
