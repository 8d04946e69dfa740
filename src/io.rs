//! Writing files whole or not at all, and the fast CSV machinery behind the crate's tables.
//!
//! Large tables are read by splitting the input at newlines into chunks parsed in parallel
//! (when no field is quoted) and written by formatting chunks of rows in parallel into byte
//! buffers that are then written in order; see [`write_atomically`] for the one public piece.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};

mod records;
use records::split_records;
pub(crate) use records::Record;

/// Where [`write_atomically`] sends the bytes: a file (a temporary one renamed into place, or
/// a special file written directly) or standard output.
#[derive(Debug)]
pub enum Destination {
    /// A file.
    File(File),
    /// Standard output (the path `-`).
    Stdout(std::io::Stdout),
}

impl Write for Destination {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Destination::File(f) => f.write(buf),
            Destination::Stdout(s) => s.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Destination::File(f) => f.write_all(buf),
            Destination::Stdout(s) => s.write_all(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Destination::File(f) => f.flush(),
            Destination::Stdout(s) => s.flush(),
        }
    }
}

/// The path that means standard output (or input) on the command line.
pub const STANDARD_STREAM: &str = "-";

/// Writes `path` through `write`, whole or not at all.
///
/// * A regular file (or a new one) is written to a temporary file in the same directory, which
///   is flushed, synced and renamed over `path` only when `write` succeeded. On any error (or
///   a panic in `write`) the temporary file is removed and `path` is untouched; a program that
///   is interrupted can remove the temporary files still open with
///   [`remove_temporary_files`].
/// * A symbolic link is kept: its target is written as above. A link to nothing is refused.
/// * A special file (a FIFO, a terminal or another device, `/dev/stdout`) is written directly,
///   never replaced.
/// * The path `-` ([`STANDARD_STREAM`]) writes to standard output.
///
/// ```
/// let dir = std::env::temp_dir().join("clv-doc-atomic");
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("out.txt");
/// clv::io::write_atomically(&path, |w| { use std::io::Write; writeln!(w, "hello").map_err(|e| clv::Error::io("out.txt", e)) }).unwrap();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\n");
/// ```
pub fn write_atomically<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut BufWriter<Destination>) -> Result<()>,
{
    if path.as_os_str() == STANDARD_STREAM {
        let mut w = BufWriter::new(Destination::Stdout(std::io::stdout()));
        write(&mut w)?;
        return w.flush().map_err(|e| Error::io("standard output", e));
    }
    let link = match std::fs::symlink_metadata(path) {
        Ok(m) => m.file_type().is_symlink(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return replace_file(path, write),
        Err(e) => return Err(Error::io(path, e)),
    };
    let target = std::fs::metadata(path).map_err(|e| {
        if link {
            Error::io(
                path,
                std::io::Error::other("a symbolic link to nothing (not replaced)"),
            )
        } else {
            Error::io(path, e)
        }
    })?;
    if target.is_dir() {
        return Err(Error::io(path, std::io::Error::other("is a directory")));
    }
    if !target.is_file() {
        // a FIFO, a device: written through, as a shell redirection does
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        let mut w = BufWriter::new(Destination::File(file));
        write(&mut w)?;
        return w.flush().map_err(|e| Error::io(path, e));
    }
    if link {
        let resolved = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
        return replace_file(&resolved, write);
    }
    replace_file(path, write)
}

/// Temporary files being written, removed by [`remove_temporary_files`].
static TEMPORARY_FILES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes the temporary files of the writes still in progress (for a signal handler: the
/// program is about to end). Returns how many were removed.
pub fn remove_temporary_files() -> usize {
    let files = match TEMPORARY_FILES.lock() {
        Ok(mut f) => std::mem::take(&mut *f),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    files
        .iter()
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count()
}

/// A temporary file that is removed when dropped, unless [`kept`](Self::kept).
struct TemporaryFile(PathBuf);

impl TemporaryFile {
    fn new(path: PathBuf) -> Self {
        if let Ok(mut f) = TEMPORARY_FILES.lock() {
            f.push(path.clone());
        }
        TemporaryFile(path)
    }
    fn forget(&self) {
        if let Ok(mut f) = TEMPORARY_FILES.lock() {
            f.retain(|p| p != &self.0);
        }
    }
    /// The file was renamed into place: nothing to remove.
    fn kept(self) {
        self.forget();
        std::mem::forget(self);
    }
}

impl Drop for TemporaryFile {
    fn drop(&mut self) {
        self.forget();
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Writes the regular file `path` through a temporary file renamed over it. Errors name
/// `path`, never the temporary file.
fn replace_file<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut BufWriter<Destination>) -> Result<()>,
{
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = TemporaryFile::new(dir.join(format!(".{name}.tmp-{}", std::process::id())));
    let file = File::create(&tmp.0).map_err(|e| Error::io(path, e))?;
    let mut w = BufWriter::new(Destination::File(file));
    write(&mut w)?;
    w.flush().map_err(|e| Error::io(path, e))?;
    if let Destination::File(file) = w
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?
    {
        file.sync_all().map_err(|e| Error::io(path, e))?;
    }
    std::fs::rename(&tmp.0, path).map_err(|e| Error::io(path, e))?;
    tmp.kept();
    Ok(())
}

/// A CSV input held whole in memory, with its header already read.
///
/// Holding the bytes lets [`parse`](Self::parse) split the data at newlines and parse the
/// pieces in parallel, and re-read everything sequentially when a piece fails, so that errors
/// (row numbers, the CSV reader's positions) are exactly those of a plain sequential read.
pub(crate) struct CsvBytes {
    bytes: Vec<u8>,
    headers: csv::StringRecord,
    delimiter: u8,
    /// Target size of a parallel chunk; inputs smaller than this are parsed sequentially.
    chunk_bytes: usize,
}

/// Default target size of a chunk parsed in parallel.
const CHUNK_BYTES: usize = 4 << 20;

impl CsvBytes {
    /// Reads all of `reader`; read errors become [`Error::Csv`], as when the CSV reader reads.
    pub(crate) fn from_reader<R: Read>(mut reader: R, delimiter: u8) -> Result<Self> {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Csv(e.into()))?;
        Self::from_bytes(bytes, delimiter)
    }

    /// Reads the file at `path`.
    pub(crate) fn from_path(path: &Path, delimiter: u8) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_bytes(bytes, delimiter)
    }

    /// Takes `bytes` and reads the header (fields trimmed of whitespace).
    pub(crate) fn from_bytes(bytes: Vec<u8>, delimiter: u8) -> Result<Self> {
        let headers = Self::builder(delimiter, true)
            .trim(csv::Trim::All)
            .from_reader(bytes.as_slice())
            .headers()?
            .clone();
        Ok(CsvBytes {
            bytes,
            headers,
            delimiter,
            chunk_bytes: CHUNK_BYTES,
        })
    }

    /// Sets the target chunk size (tests use tiny chunks to exercise the parallel path).
    #[cfg(test)]
    pub(crate) fn with_chunk_bytes(mut self, chunk_bytes: usize) -> Self {
        self.chunk_bytes = chunk_bytes.max(1);
        self
    }

    /// The header, trimmed.
    pub(crate) fn headers(&self) -> &csv::StringRecord {
        &self.headers
    }

    fn builder(delimiter: u8, has_headers: bool) -> csv::ReaderBuilder {
        let mut b = csv::ReaderBuilder::new();
        b.delimiter(delimiter).has_headers(has_headers);
        b
    }

    /// Parses every data record into sinks made by `new_sink` and filled by `push`, which gets
    /// the record's 1-based row number and its raw fields (untrimmed: see [`field_str`]).
    ///
    /// `new_sink(sequential, rows)` gets an upper bound on the records its sink will get (the
    /// number of lines), to reserve room. Returns the sinks in input order: one per parallel
    /// chunk, or a single one. In the parallel path row numbers restart at 1 in each chunk and
    /// `sequential` is false; a sink must therefore not derive data from row numbers, only
    /// errors. When any chunk fails, the whole input is parsed again sequentially
    /// (`sequential` is true, rows are the file's), so the error returned is the one a
    /// sequential read gives.
    pub(crate) fn parse<S, N, P>(&self, new_sink: N, push: P) -> Result<Vec<S>>
    where
        S: Send,
        N: Fn(bool, usize) -> S + Sync,
        P: Fn(&mut S, usize, &Record<'_>) -> Result<()> + Sync,
    {
        if let Some(chunks) = self.chunks() {
            let fields = self.headers.len();
            let parsed: Result<Vec<S>> = chunks
                .into_par_iter()
                .enumerate()
                .map(|(k, range)| {
                    let bytes = &self.bytes[range];
                    let mut sink = new_sink(false, lines(bytes));
                    // a record of the wrong length is an error here, which the sequential
                    // pass below reports as the CSV reader does
                    split_records(bytes, self.delimiter, k == 0, fields, |row, record| {
                        push(&mut sink, row, record)
                    })?;
                    Ok(sink)
                })
                .collect();
            if let Ok(sinks) = parsed {
                return Ok(sinks);
            }
        }
        let mut rdr = Self::builder(self.delimiter, true).from_reader(self.bytes.as_slice());
        let mut sink = new_sink(true, lines(&self.bytes));
        let mut record = csv::ByteRecord::new();
        let mut row = 0;
        while rdr.read_byte_record(&mut record)? {
            row += 1;
            push(&mut sink, row, &Record::Csv(&record))?;
        }
        Ok(vec![sink])
    }

    /// Byte ranges that split the input at newlines into pieces of about `chunk_bytes`, the
    /// first one holding the header; `None` when the input is small or has a quote character
    /// (a quoted field may hold a newline, so a newline is then not surely a record's end).
    fn chunks(&self) -> Option<Vec<Range<usize>>> {
        let bytes = &self.bytes;
        if bytes.len() <= self.chunk_bytes || bytes.contains(&b'"') {
            return None;
        }
        let mut out = Vec::with_capacity(bytes.len() / self.chunk_bytes + 1);
        let mut start = 0;
        while start < bytes.len() {
            let target = (start + self.chunk_bytes).min(bytes.len());
            let end = match bytes[target - 1..].iter().position(|&b| b == b'\n') {
                Some(p) => target + p,
                None => bytes.len(),
            };
            out.push(start..end);
            start = end;
        }
        Some(out)
    }
}

/// An empty buffer with room for `capacity` bytes, for reading a chunk of a file into. On
/// Linux its memory is advised to be backed by transparent huge pages (`madvise` with
/// `MADV_HUGEPAGE`; ignored where they are off): reading the scale example's 1M-customer file
/// into 4 kB pages faulted each of them in, one trap per 4 kB.
pub(crate) fn chunk_buffer(capacity: usize) -> Vec<u8> {
    let buf = Vec::with_capacity(capacity);
    #[cfg(target_os = "linux")]
    advise_huge_pages(buf.as_ptr(), buf.capacity());
    buf
}

/// Advises the kernel to back the whole 2 MB pages within `len` bytes from `start` by huge
/// pages. Advice only: a failure (huge pages off, an old kernel) changes nothing, so its
/// result is not checked.
#[cfg(target_os = "linux")]
fn advise_huge_pages(start: *const u8, len: usize) {
    const HUGE: usize = 2 << 20;
    let first = (start as usize).next_multiple_of(HUGE);
    let end = (start as usize + len) / HUGE * HUGE;
    if end > first {
        // SAFETY: the range lies within an allocation of `len` bytes from `start` that the
        // caller owns; the advice changes how its pages are backed, not what they hold.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

/// Number of lines of `bytes` (newlines, plus one for a last line without), an upper bound
/// on the number of records when no field is quoted.
fn lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count() + 1
}

/// A raw field as text without surrounding whitespace (as the `csv` reader's `Trim::All`
/// gives it); `column` and `row` name it when it is not UTF-8.
///
/// ASCII fields (nearly all) take a shortcut measured to cut a twentieth of the time of reading
/// an RFM file: the UTF-8 check and the Unicode trim cost a call each, for a few bytes.
#[inline]
pub(crate) fn field_str<'a>(row: usize, column: &str, raw: &'a [u8]) -> Result<&'a str> {
    if raw.is_ascii() {
        let trimmed = trim_ascii_white_space(raw);
        // SAFETY: ASCII bytes are valid UTF-8.
        return Ok(unsafe { std::str::from_utf8_unchecked(trimmed) });
    }
    match std::str::from_utf8(raw) {
        Ok(s) => Ok(s.trim()),
        Err(_) => Err(Error::invalid_value(
            row,
            column,
            String::from_utf8_lossy(raw),
            "not valid UTF-8 text",
        )),
    }
}

/// `raw` without the ASCII characters that `str::trim` removes (Unicode White_Space: tab, line
/// feed, vertical tab, form feed, carriage return and space) at either end.
#[inline]
fn trim_ascii_white_space(raw: &[u8]) -> &[u8] {
    let white = |b: &u8| *b == b' ' || (b'\t'..=b'\r').contains(b);
    let start = raw.iter().position(|b| !white(b)).unwrap_or(raw.len());
    let end = raw.iter().rposition(|b| !white(b)).map_or(start, |e| e + 1);
    &raw[start..end]
}

/// Rows per chunk formatted in parallel when writing.
const WRITE_CHUNK_ROWS: usize = 16_384;

/// Writes a CSV file atomically: `header`, then `rows` lines, line `i` appended to a buffer by
/// `format_row(i, buffer)` (fields separated by commas, no line end). Chunks of rows are
/// formatted in parallel and written in order, a window of chunks being written while the next
/// is formatted; memory stays bounded by two windows.
pub(crate) fn write_csv_rows<F>(
    path: &Path,
    header: &[&str],
    rows: usize,
    format_row: F,
) -> Result<()>
where
    F: Fn(usize, &mut Vec<u8>) + Sync,
{
    write_atomically(path, |w| {
        let mut line = Vec::new();
        for (k, name) in header.iter().enumerate() {
            if k > 0 {
                line.push(b',');
            }
            push_csv_field(&mut line, name);
        }
        line.push(b'\n');
        w.write_all(&line).map_err(|e| Error::io(path, e))?;
        let window = WRITE_CHUNK_ROWS * 4 * rayon::current_num_threads().max(1);
        let format_window = |start: usize, end: usize| -> Vec<Vec<u8>> {
            (start..end)
                .step_by(WRITE_CHUNK_ROWS)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|from| {
                    let to = (from + WRITE_CHUNK_ROWS).min(end);
                    let mut buf = Vec::with_capacity((to - from) * 64);
                    for i in from..to {
                        format_row(i, &mut buf);
                        buf.push(b'\n');
                    }
                    buf
                })
                .collect()
        };
        // each window is written while the next one is formatted
        let mut formatted: Vec<Vec<u8>> = Vec::new();
        let mut start = 0;
        while start < rows || !formatted.is_empty() {
            let end = (start + window).min(rows);
            let (next, written) = rayon::join(
                || format_window(start, end),
                || formatted.iter().try_for_each(|buf| w.write_all(buf)),
            );
            written.map_err(|e| Error::io(path, e))?;
            formatted = next;
            start = end;
        }
        Ok(())
    })
}

/// Appends a text field, quoted as the `csv` writer quotes it: only when it holds a comma, a
/// quote or a line break, with inner quotes doubled.
pub(crate) fn push_csv_field(out: &mut Vec<u8>, field: &str) {
    let bytes = field.as_bytes();
    if !bytes
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.extend_from_slice(bytes);
        return;
    }
    out.push(b'"');
    for &b in bytes {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// Magnitudes written in plain decimal notation by [`format_number`]: `1e-5 <= |v| < 1e16`
/// (and zero). Outside, a plain decimal would run to hundreds of digits.
pub const PLAIN_RANGE: Range<f64> = 1e-5..1e16;

/// `v` as the crate writes numbers into CSV files and messages: the shortest digits that read
/// back to the same `f64` (`text.parse::<f64>() == v`, bit for bit), in plain decimal notation
/// for magnitudes in [`PLAIN_RANGE`] and in scientific notation (`1e300`, `2.5e-9`) outside,
/// so no number is written as a 300-digit decimal. Non-finite values are written `NaN`, `inf`
/// and `-inf`.
///
/// ```
/// use clv::io::format_number;
/// assert_eq!(format_number(22.35), "22.35");
/// assert_eq!(format_number(1e300), "1e300");
/// assert_eq!(format_number(-2.5e-9), "-2.5e-9");
/// assert_eq!(format_number(0.0), "0");
/// assert_eq!(format_number(1e300).parse::<f64>().unwrap(), 1e300);
/// ```
pub fn format_number(v: f64) -> String {
    let mut out = Vec::with_capacity(24);
    push_f64(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

/// `v` for a table read by people: `digits` significant digits (at least 1), in fixed notation
/// for magnitudes from 1e-4 to below 1e6 and in scientific notation outside (so a parameter of
/// 3e-7 is not shown as `0.0000`). Not exact: CSV files use [`format_number`].
///
/// ```
/// use clv::io::format_significant;
/// assert_eq!(format_significant(0.242594, 4), "0.2426");
/// assert_eq!(format_significant(4.41359, 4), "4.414");
/// assert_eq!(format_significant(3.1e-7, 4), "3.100e-7");
/// assert_eq!(format_significant(2.5e9, 4), "2.500e9");
/// assert_eq!(format_significant(0.0, 4), "0");
/// ```
pub fn format_significant(v: f64, digits: usize) -> String {
    let digits = digits.max(1);
    let a = v.abs();
    if !v.is_finite() || a == 0.0 {
        return format!("{v}");
    }
    if !(1e-4..1e6).contains(&a) {
        return format!("{v:.prec$e}", prec = digits - 1);
    }
    // digits before the point of the value once rounded to `digits` significant digits
    let rounded: f64 = format!("{v:.prec$e}", prec = digits - 1)
        .parse()
        .unwrap_or(v);
    let magnitude = rounded.abs().log10().floor() as i64;
    let decimals = (digits as i64 - 1 - magnitude).max(0) as usize;
    format!("{v:.decimals$}")
}

/// Appends `v` exactly as [`format_number`] writes it: in [`PLAIN_RANGE`], as
/// `format!("{v}")` writes it (the shortest digits that read back to the same `f64`, in plain
/// decimal notation), several times faster: whole numbers go through `itoa`, others through
/// `ryu`, whose output is rewritten to plain form; outside, as `format!("{v:e}")`.
///
/// The two shortest-digit algorithms differ only on exact ties (a value halfway between two
/// shortest decimals: std rounds up, ryu to even); such values are detected from their binary
/// form and handed to std, as are non-finite values and integers beyond 2^53.
pub(crate) fn push_f64(out: &mut Vec<u8>, v: f64) {
    const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0; // 2^53
    if v != 0.0 && v.is_finite() && !PLAIN_RANGE.contains(&v.abs()) {
        use std::io::Write as _;
        let _ = write!(out, "{v:e}");
    } else if !v.is_finite() || v.abs() >= EXACT_INTEGERS {
        push_display(out, v);
    } else if (v as i64) as f64 == v {
        // whole (|v| < 2^53 here): a cast rather than `fract`, a libm call per value
        if v == 0.0 && v.is_sign_negative() {
            out.extend_from_slice(b"-0");
        } else {
            out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
        }
    } else {
        let mut buf = ryu::Buffer::new();
        let s = buf.format_finite(v).as_bytes();
        let exact_places = fraction_digits(v);
        match s.iter().position(|&b| b == b'e') {
            // plain already ("12.375"): written as is unless it may be a tie
            None => match s.iter().position(|&b| b == b'.') {
                Some(dot) if (s.len() - dot) as i64 != exact_places => out.extend_from_slice(s),
                _ => push_display(out, v),
            },
            Some(e) => {
                if !push_plain(out, &s[..e], &s[e + 1..], exact_places) {
                    push_display(out, v);
                }
            }
        }
    }
}

fn push_display(out: &mut Vec<u8>, v: f64) {
    use std::io::Write as _;
    let _ = write!(out, "{v}");
}

/// Number of decimal places of the exact value of a non-integer `v` (= its number of binary
/// fraction digits: m / 2^k written in decimal ends k places after the point, with a 5).
fn fraction_digits(v: f64) -> i64 {
    let bits = v.to_bits();
    let exp_bits = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1 << 52) - 1);
    let (m, e) = if exp_bits == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), exp_bits - 1075)
    };
    -(e + m.trailing_zeros() as i64)
}

/// Writes `mantissa` x 10^`exponent` ("-1.25", "-7") in plain decimal notation. Returns false,
/// writing nothing, when the digits could be a tie: the exact value has one decimal place more
/// than the shortest form (`exact_places`), so it lies halfway between two shortest decimals.
fn push_plain(out: &mut Vec<u8>, mantissa: &[u8], exponent: &[u8], exact_places: i64) -> bool {
    let (negative, mantissa) = match mantissa.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, mantissa),
    };
    let exponent: i64 = std::str::from_utf8(exponent)
        .ok()
        .and_then(|e| e.parse().ok())
        .unwrap_or(0);
    // digits d1 d2 ... with the decimal point after `point` digits
    let mut digits = [0u8; 32];
    let mut n = 0;
    let mut point = mantissa.len() as i64;
    for &b in mantissa {
        if b == b'.' {
            point = n as i64;
        } else if n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    let digits = &digits[..n];
    let point = point + exponent;
    if n as i64 - point + 1 == exact_places {
        return false;
    }
    if negative {
        out.push(b'-');
    }
    if point <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', (-point) as usize));
        out.extend_from_slice(digits);
    } else if (point as usize) < digits.len() {
        out.extend_from_slice(&digits[..point as usize]);
        out.push(b'.');
        out.extend_from_slice(&digits[point as usize..]);
    } else {
        out.extend_from_slice(digits);
        out.extend(std::iter::repeat_n(b'0', point as usize - digits.len()));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_buffers_advised_to_huge_pages_hold_what_is_written() {
        // 5 MB: at least one whole 2 MB page inside whatever alignment the allocator gives
        let mut buf = chunk_buffer(5 << 20);
        assert!(buf.is_empty() && buf.capacity() >= 5 << 20);
        buf.extend((0..5 << 20).map(|i: usize| (i % 251) as u8));
        assert!(buf.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
    }

    #[test]
    fn failed_write_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, "old").unwrap();
        let r = write_atomically(&path, |w| {
            w.write_all(b"partial").unwrap();
            Err(Error::undefined("boom", "a test"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_panicking_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let r = std::panic::catch_unwind(|| {
            write_atomically(&path, |w| {
                w.write_all(b"partial").unwrap();
                panic!("interrupted");
            })
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn temporary_files_in_progress_are_removed_on_request() {
        // what the CLI's SIGINT/SIGTERM handler does while a write is under way
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let seen = std::cell::Cell::new(0);
        let _ = write_atomically(&path, |w| {
            w.write_all(b"partial").unwrap();
            w.flush().unwrap();
            seen.set(std::fs::read_dir(dir.path()).unwrap().count());
            assert!(remove_temporary_files() >= 1);
            Ok(())
        });
        assert_eq!(seen.get(), 1, "the temporary file existed");
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn errors_name_the_destination_not_the_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("x.csv");
        let err = write_atomically(&path, |_| Ok(())).unwrap_err().to_string();
        assert!(err.contains("missing-dir/x.csv"), "{err}");
        assert!(!err.contains(".tmp-"), "{err}");
    }

    fn formatted(v: f64) -> String {
        let mut out = Vec::new();
        push_f64(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numbers_are_written_exactly_as_std_writes_them() {
        // std's `Display` is the independent reference: same text as before the fast path
        let special = [
            0.0,
            -0.0,
            1.0,
            -3.0,
            0.1,
            1e-5,
            1e-7,
            -1.2345e-300,
            5e-324,
            f64::MIN_POSITIVE,
            1e15,
            1e16,
            123456789012345680.0,
            1.5e300,
            f64::MAX,
            f64::MIN,
            9007199254740993.0,
            0.30000000000000004,
            // exact ties between two shortest forms: std rounds them up
            730048651755878.0 + 0.25,
            8796093022208.0 + 0.0625,
            -0.75,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for v in special {
            assert_eq!(formatted(v), display(v), "{v:e}");
        }
        // random bit patterns cover every exponent; random decimals the usual CSV content
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..300_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let v = if i % 3 == 0 {
                f64::from_bits(s)
            } else if i % 3 == 1 {
                // few binary fraction digits and large magnitude: where ties live
                let k = i % 12;
                (s >> (11 + i % 30)) as f64 / 2f64.powi(k)
            } else {
                (s >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi(i % 40 - 20)
            };
            assert_eq!(formatted(v), display(v), "{v:e}");
        }
    }

    /// std's shortest round-trip text: `Display` in the plain range, `LowerExp` outside.
    fn display(v: f64) -> String {
        if v != 0.0 && v.is_finite() && !(1e-5..1e16).contains(&v.abs()) {
            format!("{v:e}")
        } else {
            format!("{v}")
        }
    }

    #[test]
    fn extreme_numbers_are_short_and_read_back_bit_exactly() {
        for (v, text) in [(1e300, "1e300"), (1e-300, "1e-300"), (-1.5e-7, "-1.5e-7")] {
            assert_eq!(format_number(v), text);
            assert_eq!(text.parse::<f64>().unwrap().to_bits(), v.to_bits());
        }
        for v in [f64::MAX, f64::MIN_POSITIVE, 5e-324, 1.2345678901234567e-300] {
            let text = format_number(v);
            assert!(text.len() <= 24, "{text}");
            assert_eq!(
                text.parse::<f64>().unwrap().to_bits(),
                v.to_bits(),
                "{text}"
            );
        }
    }

    #[test]
    fn human_tables_show_significant_digits_not_zeros() {
        assert_eq!(format_significant(1.234e-6, 4), "1.234e-6");
        assert_eq!(format_significant(0.00012345, 3), "0.000123");
        assert_eq!(format_significant(9.99999, 4), "10.00");
        assert_eq!(format_significant(123456.0, 4), "123456");
        assert_eq!(format_significant(-0.5, 4), "-0.5000");
    }

    #[test]
    fn text_fields_are_quoted_like_the_csv_writer_quotes_them() {
        for field in [
            "plain",
            "",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "cr\r",
            " spaced ",
        ] {
            let mut ours = Vec::new();
            push_csv_field(&mut ours, field);
            ours.extend_from_slice(b",x\n");
            let mut theirs = csv::Writer::from_writer(Vec::new());
            theirs.write_record([field, "x"]).unwrap();
            assert_eq!(ours, theirs.into_inner().unwrap(), "{field:?}");
        }
    }

    fn parse_all(input: &str, chunk: usize) -> Result<Vec<(usize, Vec<String>)>> {
        let csv = CsvBytes::from_bytes(input.as_bytes().to_vec(), b',')?.with_chunk_bytes(chunk);
        let sinks = csv.parse(
            |_, _| Vec::new(),
            |sink: &mut Vec<(usize, Vec<String>)>, row, rec| {
                let fields: Vec<String> = (0..rec.len())
                    .map(|i| field_str(row, "f", rec.get(i).unwrap()).map(str::to_string))
                    .collect::<Result<_>>()?;
                if fields[0] == "bad" {
                    return Err(Error::invalid_value(row, "a", "bad", "bad row"));
                }
                sink.push((row, fields));
                Ok(())
            },
        )?;
        Ok(sinks.into_iter().flatten().collect())
    }

    #[test]
    fn ascii_fields_are_trimmed_as_str_trim_trims() {
        for raw in [
            &b""[..],
            b"abc",
            b"  a b \t",
            b"\x0b\x0c\r\n7\x0b",
            b" \t ",
            b"\x1f x \x1f",
            b"\xc2\xa0x\xc2\xa0",
            b"\xe3\x80\x80y ",
        ] {
            let expected = std::str::from_utf8(raw).unwrap().trim();
            assert_eq!(field_str(1, "c", raw).unwrap(), expected, "{raw:?}");
        }
        let err = field_str(3, "c", b"a\xff").unwrap_err().to_string();
        assert!(err.starts_with("row 3, column `c`"), "{err}");
    }

    #[test]
    fn chunked_parsing_gives_the_records_and_errors_of_a_sequential_read() {
        let mut input = String::from("a , b\r\n");
        for i in 0..200 {
            input.push_str(&format!("{i}, x{i} \r\n"));
            if i % 37 == 0 {
                input.push('\n'); // blank lines are skipped alike
            }
        }
        let sequential = parse_all(&input, usize::MAX).unwrap();
        assert_eq!(sequential.len(), 200);
        assert_eq!(sequential[199].1, ["199", "x199"]);
        for chunk in [1, 7, 64, 1000] {
            let chunked = parse_all(&input, chunk).unwrap();
            let fields =
                |v: &[(usize, Vec<String>)]| v.iter().map(|r| r.1.clone()).collect::<Vec<_>>();
            assert_eq!(fields(&chunked), fields(&sequential), "chunk {chunk}");
        }
        // an error in a later chunk carries the file's row number
        let bad = input.replace("150, x150", "bad, x150");
        for chunk in [usize::MAX, 7, 64] {
            let err = parse_all(&bad, chunk).unwrap_err();
            assert!(matches!(err, Error::InvalidValue { row: 151, .. }), "{err}");
        }
        // so does the CSV reader's own error for a short record
        let short = input.replace("120, x120", "120");
        let expected = parse_all(&short, usize::MAX).unwrap_err().to_string();
        assert!(expected.contains("found record with 1 field"), "{expected}");
        assert_eq!(parse_all(&short, 16).unwrap_err().to_string(), expected);
        // quoted fields (which may hold newlines) are read sequentially, correctly
        let quoted = input.replace("77, x77", "77,\"x\n77\"");
        let rows = parse_all(&quoted, 16).unwrap();
        assert_eq!(rows[77].1, ["77", "x\n77"]);
    }
}
