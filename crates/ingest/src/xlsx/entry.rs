//! One zip entry (a part of the workbook), inflated on its own thread into a small, bounded
//! ring of buffers while the caller parses the previous ones. Every byte is counted: the entry
//! may not inflate past its part's cap, past the size it declares, or (past 16 MiB) at a
//! compression ratio no spreadsheet reaches; its CRC-32 is checked at the end.

use super::XlsxError;
use flate2::{Decompress, FlushDecompress, Status};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};
use std::thread::JoinHandle;

/// Inflated bytes per block handed to the parser.
pub(crate) const BLOCK: usize = 256 << 10;
/// Each block starts with this much room, where the parser puts the unread end of the block
/// before it (an element cut in two) instead of copying the new block after it.
pub(crate) const HEADROOM: usize = 4 << 10;
/// Blocks inflated ahead of the parser.
const AHEAD: usize = 4;
/// Deflate cannot reach ratios like this on real spreadsheets; bombs do.
pub const MAX_RATIO: u64 = 200;
/// Ratios are judged once this much is inflated (small parts of empty cells compress well).
const RATIO_FROM: u64 = 16 << 20;

/// Where an entry's data lies in the file, and what its headers claim.
#[derive(Debug, Clone)]
pub(crate) struct EntryInfo {
    pub name: String,
    pub deflated: bool,
    pub data_start: u64,
    pub compressed: u64,
    pub size: u64,
    pub crc: u32,
}

/// Most parts an archive may hold: a workbook of a thousand sheets has a few thousand.
pub const MAX_PARTS: usize = 65_535;
/// Smaller files cannot list enough parts to matter (each costs the zip reader ~220 bytes of
/// memory and 46 bytes of file at least) and are not scanned.
const SCAN_FROM: u64 = 48 << 20;

/// Refuses an archive whose central directory lists more than [`MAX_PARTS`] entries, before
/// the zip reader builds an entry for each (a million of them cost it over 200 MiB). Counting
/// the directory's header signatures over the whole file bounds what the reader can build
/// whichever end record it settles on.
pub(crate) fn check_directory(file: &mut File) -> Result<(), XlsxError> {
    let len = file.seek(SeekFrom::End(0))?;
    if len < SCAN_FROM {
        return Ok(());
    }
    file.seek(SeekFrom::Start(0))?;
    let finder = memchr::memmem::Finder::new(b"PK\x01\x02");
    let mut buf = vec![0u8; 1 << 20];
    let (mut kept, mut count) = (0usize, 0usize);
    loop {
        let n = file.read(&mut buf[kept..])?;
        if n == 0 {
            break;
        }
        let end = kept + n;
        count += finder.find_iter(&buf[..end]).count();
        if count > MAX_PARTS {
            return Err(XlsxError::TooManyParts { limit: MAX_PARTS });
        }
        // Keep three bytes: a signature may straddle two reads (and is never counted twice,
        // as three bytes cannot hold one).
        buf.copy_within(end - 3..end, 0);
        kept = 3;
    }
    file.seek(SeekFrom::Start(0))?;
    Ok(())
}

/// Finds a part by name; None when the workbook has no such part.
pub(crate) fn locate(archive: &mut zip::ZipArchive<BufReader<File>>, name: &str) -> Result<Option<EntryInfo>, XlsxError> {
    let Some(index) = archive.index_for_name(name) else { return Ok(None) };
    let e = archive.by_index_raw(index).map_err(|_| XlsxError::invalid(format!("the part {name} cannot be read")))?;
    if e.encrypted() {
        return Err(XlsxError::Encrypted);
    }
    let deflated = match e.compression() {
        zip::CompressionMethod::Stored => false,
        zip::CompressionMethod::Deflated => true,
        other => return Err(XlsxError::invalid(format!("the part {name} uses the compression method {other}, which Excel does not write"))),
    };
    let data_start = e.data_start().ok_or_else(|| XlsxError::invalid(format!("the part {name} has no data")))?;
    Ok(Some(EntryInfo { name: super::shown(name), deflated, data_start, compressed: e.compressed_size(), size: e.size(), crc: e.crc32() }))
}

/// The inflated bytes of one entry, block by block. Dropping it stops the inflating thread.
pub(crate) struct EntryStream {
    blocks: Option<Receiver<Result<Vec<u8>, XlsxError>>>,
    spare: Sender<Vec<u8>>,
    thread: Option<JoinHandle<()>>,
}

impl EntryStream {
    /// Starts inflating `entry` of `file` (a handle of its own), refusing more than `limit` bytes.
    pub fn open(file: File, entry: EntryInfo, limit: u64) -> Result<EntryStream, XlsxError> {
        check_declared(&entry, limit)?;
        let (tx, rx) = sync_channel(AHEAD);
        let (spare_tx, spare_rx) = channel::<Vec<u8>>();
        let thread = std::thread::Builder::new()
            .name("tianfu-inflate".into())
            .spawn(move || {
                let mut inflater = Inflater::new(file, entry, limit);
                loop {
                    let mut buf = spare_rx.try_recv().unwrap_or_else(|_| Vec::with_capacity(HEADROOM + BLOCK));
                    buf.clear();
                    buf.resize(HEADROOM, 0);
                    match inflater.fill(&mut buf) {
                        Ok(true) => {
                            if tx.send(Ok(buf)).is_err() {
                                return;
                            }
                        }
                        Ok(false) => return,
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            return;
                        }
                    }
                }
            })
            .map_err(XlsxError::Io)?;
        Ok(EntryStream { blocks: Some(rx), spare: spare_tx, thread: Some(thread) })
    }

    /// The next block of inflated bytes (from offset [`HEADROOM`]); None at the end of the entry.
    pub fn next_block(&mut self) -> Result<Option<Vec<u8>>, XlsxError> {
        match self.blocks.as_ref().map(Receiver::recv) {
            Some(Ok(Ok(b))) => Ok(Some(b)),
            Some(Ok(Err(e))) => Err(e),
            _ => Ok(None),
        }
    }

    /// Gives a block back to be filled again (no allocation per block).
    pub fn recycle(&self, buf: Vec<u8>) {
        let _ = self.spare.send(buf);
    }
}

impl Drop for EntryStream {
    fn drop(&mut self) {
        // Closing the channel makes the inflating thread stop at its next block.
        self.blocks.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Refuses, before inflating anything, an entry whose own headers claim too much.
fn check_declared(e: &EntryInfo, limit: u64) -> Result<(), XlsxError> {
    if e.size > limit {
        return Err(XlsxError::TooLargePart { part: e.name.clone(), limit_mib: limit >> 20 });
    }
    if e.size > RATIO_FROM && e.size / e.compressed.max(1) > MAX_RATIO {
        return Err(XlsxError::Bomb { part: e.name.clone(), ratio: MAX_RATIO });
    }
    Ok(())
}

struct Inflater {
    input: std::io::Take<File>,
    seek_to: Option<u64>,
    entry: EntryInfo,
    limit: u64,
    z: Decompress,
    inbuf: Vec<u8>,
    in_pos: usize,
    in_eof: bool,
    total_out: u64,
    crc: crc32fast::Hasher,
    done: bool,
}

impl Inflater {
    fn new(file: File, entry: EntryInfo, limit: u64) -> Inflater {
        Inflater {
            input: file.take(entry.compressed),
            seek_to: Some(entry.data_start),
            entry,
            limit,
            z: Decompress::new(false),
            inbuf: Vec::with_capacity(64 << 10),
            in_pos: 0,
            in_eof: false,
            total_out: 0,
            crc: crc32fast::Hasher::new(),
            done: false,
        }
    }

    fn truncated(&self) -> XlsxError {
        XlsxError::invalid(format!("the part {} is cut short (the file is incomplete or damaged)", self.entry.name))
    }

    /// Appends up to one block to `out` (which holds the headroom); false once the entry is
    /// complete and checked.
    fn fill(&mut self, out: &mut Vec<u8>) -> Result<bool, XlsxError> {
        if self.done {
            return Ok(false);
        }
        if let Some(at) = self.seek_to.take() {
            self.input.get_mut().seek(SeekFrom::Start(at)).map_err(XlsxError::Io)?;
        }
        out.reserve(BLOCK);
        while out.len() < HEADROOM + BLOCK {
            if self.in_pos == self.inbuf.len() && !self.in_eof {
                self.inbuf.clear();
                self.in_pos = 0;
                let n = (&mut self.input).take(64 << 10).read_to_end(&mut self.inbuf).map_err(XlsxError::Io)?;
                self.in_eof = n == 0;
            }
            let before = out.len();
            let finished = if self.entry.deflated {
                let in_before = self.z.total_in();
                let status = self
                    .z
                    .decompress_vec(&self.inbuf[self.in_pos..], out, FlushDecompress::None)
                    .map_err(|_| XlsxError::invalid(format!("the part {} is damaged (its compressed data does not inflate)", self.entry.name)))?;
                let consumed = (self.z.total_in() - in_before) as usize;
                self.in_pos += consumed;
                if status == Status::StreamEnd {
                    true
                } else if out.len() == before && consumed == 0 && (self.in_eof || self.in_pos < self.inbuf.len()) {
                    // No progress: the input ended inside the stream, or the inflater is stuck.
                    return Err(self.truncated());
                } else {
                    false
                }
            } else {
                let k = (HEADROOM + BLOCK - out.len()).min(self.inbuf.len() - self.in_pos);
                out.extend_from_slice(&self.inbuf[self.in_pos..self.in_pos + k]);
                self.in_pos += k;
                self.in_pos == self.inbuf.len() && self.in_eof
            };
            let produced = (out.len() - before) as u64;
            self.total_out += produced;
            self.crc.update(&out[before..]);
            self.check_growth()?;
            if finished {
                self.done = true;
                if self.total_out != self.entry.size {
                    return Err(self.truncated());
                }
                if self.crc.clone().finalize() != self.entry.crc {
                    return Err(XlsxError::invalid(format!("the part {} is damaged (its checksum does not match)", self.entry.name)));
                }
                return Ok(out.len() > HEADROOM);
            }
        }
        Ok(true)
    }

    fn check_growth(&self) -> Result<(), XlsxError> {
        let e = &self.entry;
        if self.total_out > self.limit {
            return Err(XlsxError::TooLargePart { part: e.name.clone(), limit_mib: self.limit >> 20 });
        }
        // More than the entry declared: its sizes were forged to slip past the check above.
        if self.total_out > e.size {
            return Err(XlsxError::Bomb { part: e.name.clone(), ratio: MAX_RATIO });
        }
        let consumed = if e.deflated { self.z.total_in() } else { self.total_out };
        if self.total_out > RATIO_FROM && self.total_out / consumed.max(1) > MAX_RATIO {
            return Err(XlsxError::Bomb { part: e.name.clone(), ratio: MAX_RATIO });
        }
        Ok(())
    }
}
