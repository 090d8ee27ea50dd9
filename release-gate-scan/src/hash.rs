//! SHA-256, instantiated here so the dev profile optimizes all of it (the
//! `Digest` plumbing is generic and would otherwise be compiled, unoptimized,
//! in the caller). `sha2` picks the SHA-NI code path at run time when the CPU
//! has it.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

/// How much one read asks for: large enough that the per-call overhead
/// vanishes, small enough to stay in the cache while it is hashed.
pub const READ_SIZE: usize = 256 * 1024;

/// A running SHA-256 with a non-generic interface.
#[derive(Clone, Default)]
pub struct Hasher(Sha256);

impl Hasher {
    pub fn new() -> Hasher {
        Hasher(Sha256::new())
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The digest as lowercase hex.
    pub fn finish_hex(self) -> String {
        hex(&self.0.finalize())
    }
}

pub fn hex(digest: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(digest.len() * 2);
    for b in digest {
        for nibble in [b >> 4, b & 0xf] {
            s.push(char::from(DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0')));
        }
    }
    s
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Reads `reader` to the end, hashing as it goes: the byte count and the sha256.
pub fn hash_reader(reader: &mut dyn Read) -> io::Result<(u64, String)> {
    let mut hasher = Hasher::new();
    let mut buf = vec![0u8; READ_SIZE];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(buf.get(..n).unwrap_or_default());
        total += n as u64;
    }
    Ok((total, hasher.finish_hex()))
}

/// The sha256 of a file, streamed.
pub fn hash_file(path: &Path) -> io::Result<String> {
    hash_reader(&mut File::open(path)?).map(|(_, sha256)| sha256)
}

/// Reads `reader` to the end into memory, hashing on the way in: one read.
/// `size_hint` is the expected length (the file's size), to allocate once.
pub fn read_hashed(reader: &mut dyn Read, size_hint: u64) -> io::Result<(Vec<u8>, String)> {
    let mut buf = Vec::new();
    let sha256 = read_hashed_into(reader, size_hint, &mut buf)?;
    Ok((buf, sha256))
}

/// [`read_hashed`] into `buf` (cleared first), so a caller that reads many
/// files reuses one allocation instead of growing a new heap each time.
pub fn read_hashed_into(
    reader: &mut dyn Read,
    size_hint: u64,
    buf: &mut Vec<u8>,
) -> io::Result<String> {
    let mut hasher = Hasher::new();
    buf.clear();
    buf.reserve(usize::try_from(size_hint).unwrap_or(0).saturating_add(1));
    loop {
        if buf.len() == buf.capacity() {
            buf.reserve(READ_SIZE);
        }
        let start = buf.len();
        let spare = buf.capacity() - start;
        buf.resize(start + spare.min(READ_SIZE * 4), 0);
        let read = reader.read(buf.get_mut(start..).unwrap_or_default());
        match read {
            Ok(0) => {
                buf.truncate(start);
                break;
            }
            Ok(n) => {
                buf.truncate(start + n);
                hasher.update(buf.get(start..).unwrap_or_default());
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => buf.truncate(start),
            Err(e) => return Err(e),
        }
    }
    Ok(hasher.finish_hex())
}

/// Closes `file` here, in this optimized crate built without debug
/// assertions: std's debug check in `OwnedFd::drop`, compiled into an
/// unoptimized caller, costs an `fcntl` per file closed (7,000 files: tens of
/// milliseconds).
pub fn close(file: std::fs::File) {
    drop(file);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let (bytes, digest) = hash_reader(&mut &data[..]).unwrap();
        assert_eq!((bytes, digest.as_str()), (3_000_000, sha256_hex(&data).as_str()));
        let (read, digest) = read_hashed(&mut &data[..], 10).unwrap();
        assert_eq!(read, data);
        assert_eq!(digest, sha256_hex(&data));
        let (read, _) = read_hashed(&mut &data[..], data.len() as u64).unwrap();
        assert_eq!(read, data);
    }
}
