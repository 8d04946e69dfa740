//! The records of a CSV piece without quote characters, split by hand: what the `csv` reader
//! gives for such input (records end at `\n`, `\r` or `\r\n`, empty lines are skipped, fields
//! end at the delimiter), without its state machine or the copy of every field into a record.
//!
//! Hand-written because a measurement showed it wins: on the 1M-customer file of the scale
//! example, the `csv` reader took about a fifth of the CPU time of reading what the fits need.
//! Input with a quote character never comes here ([`CsvBytes`](super::CsvBytes) reads it
//! with the `csv` reader).

use crate::error::{Error, Result};

/// One record's raw fields (untrimmed): from the `csv` reader, or split by [`split_records`].
pub(crate) enum Record<'a> {
    /// A record read by the `csv` reader.
    Csv(&'a csv::ByteRecord),
    /// A line split at the delimiter: field `i` ends at `ends[i]` and starts one byte after
    /// the end of field `i - 1` (at 0 for the first).
    Split { line: &'a [u8], ends: &'a [usize] },
}

impl<'a> Record<'a> {
    /// Field `i`, if the record has it.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&'a [u8]> {
        match *self {
            Record::Csv(r) => r.get(i),
            Record::Split { line, ends } => {
                let end = *ends.get(i)?;
                let start = if i == 0 { 0 } else { ends[i - 1] + 1 };
                Some(&line[start..end])
            }
        }
    }

    /// Number of fields.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        match self {
            Record::Csv(r) => r.len(),
            Record::Split { ends, .. } => ends.len(),
        }
    }
}

/// Calls `each(row, record)` for every record of `bytes` (which hold no quote character), `row`
/// counting records from 1; with `skip_first` the first record (a header) is skipped and not
/// counted. Stops at the first error of `each`, or when a record has other than `fields`
/// fields (an error naming its row, which the caller replaces by the `csv` reader's).
pub(crate) fn split_records(
    bytes: &[u8],
    delimiter: u8,
    skip_first: bool,
    fields: usize,
    mut each: impl FnMut(usize, &Record<'_>) -> Result<()>,
) -> Result<()> {
    debug_assert!(!bytes.contains(&b'"'));
    let mut lines = Lines {
        row: 0,
        skip: skip_first,
        fields,
    };
    let mut ends = Vec::with_capacity(fields);
    let mut start = 0;
    for p in Separators::new(bytes, delimiter) {
        ends.push(p - start);
        if bytes[p] != delimiter {
            lines.take(&bytes[start..p], &ends, &mut each)?;
            start = p + 1;
            ends.clear();
        }
    }
    if start < bytes.len() {
        ends.push(bytes.len() - start);
        lines.take(&bytes[start..], &ends, &mut each)?;
    }
    Ok(())
}

/// What [`split_records`] knows of the lines it has split.
struct Lines {
    /// Records passed on so far.
    row: usize,
    /// Whether the next non-empty line is the header, to skip.
    skip: bool,
    /// Fields a record must have.
    fields: usize,
}

impl Lines {
    /// Passes `line`, whose fields end at `ends`, to `each` as a record, unless it is empty
    /// or the header.
    #[inline]
    fn take(
        &mut self,
        line: &[u8],
        ends: &[usize],
        each: &mut impl FnMut(usize, &Record<'_>) -> Result<()>,
    ) -> Result<()> {
        if line.is_empty() || std::mem::take(&mut self.skip) {
            return Ok(());
        }
        self.row += 1;
        if ends.len() != self.fields {
            return Err(Error::invalid_value(
                self.row,
                "record",
                self.fields,
                "unequal record lengths",
            ));
        }
        each(self.row, &Record::Split { line, ends })
    }
}

/// The positions of the delimiter, `\n` and `\r` in some bytes, in order. They are found 64
/// bytes at a time as a bit mask, so that splitting branches once per field instead of once
/// per byte.
///
/// Hand-written because a measurement showed it wins: splitting byte by byte was a sixth of
/// the time of reading the scale example's 1M-customer file (a mispredicted branch at every
/// field's end), and `memchr::memchr3_iter`, built for rare matches, searches again from
/// each match.
struct Separators<'a> {
    bytes: &'a [u8],
    delimiter: u8,
    /// Start of the block of `mask`.
    block: usize,
    /// The separators of the block not yet given, bit `i` for byte `block + i`.
    mask: u64,
}

impl<'a> Separators<'a> {
    fn new(bytes: &'a [u8], delimiter: u8) -> Self {
        Separators {
            bytes,
            delimiter,
            block: 0,
            mask: block_mask(bytes, delimiter),
        }
    }
}

impl Iterator for Separators<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.block += 64;
            if self.block >= self.bytes.len() {
                return None;
            }
            self.mask = block_mask(&self.bytes[self.block..], self.delimiter);
        }
        let at = self.block + self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(at)
    }
}

/// Bit `i` set when byte `i` of the first 64 bytes of `block` is `delimiter`, `\n` or `\r`.
#[inline]
fn block_mask(block: &[u8], delimiter: u8) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if let Some(full) = block.first_chunk::<64>() {
        return sse2_mask(full, delimiter);
    }
    let block = &block[..block.len().min(64)];
    block.iter().enumerate().fold(0, |mask, (i, &b)| {
        mask | u64::from(b == delimiter || b == b'\n' || b == b'\r') << i
    })
}

/// [`block_mask`] of 64 bytes, by SSE2 compares (part of every x86-64 processor).
#[cfg(target_arch = "x86_64")]
#[inline]
fn sse2_mask(block: &[u8; 64], delimiter: u8) -> u64 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut mask = 0;
    // SAFETY: SSE2 is enabled on every x86-64 target, and each unaligned load reads 16 bytes
    // of `block` (at 0, 16, 32 and 48 of its 64).
    unsafe {
        let d = _mm_set1_epi8(delimiter as i8);
        let n = _mm_set1_epi8(b'\n' as i8);
        let r = _mm_set1_epi8(b'\r' as i8);
        for k in 0..4 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast());
            let hit = _mm_or_si128(
                _mm_cmpeq_epi8(v, d),
                _mm_or_si128(_mm_cmpeq_epi8(v, n), _mm_cmpeq_epi8(v, r)),
            );
            mask |= u64::from(_mm_movemask_epi8(hit) as u16) << (16 * k);
        }
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The records of `input` as the `csv` reader gives them (header skipped), or its error.
    fn by_csv_reader(input: &[u8], delimiter: u8) -> std::result::Result<Vec<Vec<Vec<u8>>>, ()> {
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .from_reader(input);
        let mut out = Vec::new();
        for record in rdr.byte_records() {
            let record = record.map_err(|_| ())?;
            out.push(record.iter().map(<[u8]>::to_vec).collect());
        }
        Ok(out)
    }

    /// The records of `input` split by hand, header skipped, or `Err` at a record whose length
    /// differs from the header's.
    fn by_hand(input: &[u8], delimiter: u8) -> std::result::Result<Vec<Vec<Vec<u8>>>, ()> {
        let first = input
            .split(|&b| b == b'\n' || b == b'\r')
            .find(|l| !l.is_empty());
        let fields = first.map_or(0, |l| l.split(|&b| b == delimiter).count());
        let mut out = Vec::new();
        split_records(input, delimiter, true, fields, |row, r| {
            assert_eq!(row, out.len() + 1);
            out.push((0..r.len()).map(|i| r.get(i).unwrap().to_vec()).collect());
            assert!(r.get(r.len()).is_none());
            Ok(())
        })
        .map_err(|_| ())?;
        Ok(out)
    }

    #[test]
    fn hand_split_records_are_the_csv_readers_on_input_without_quotes() {
        // line ends of every kind, blank lines (also before the header), empty and spaced
        // fields, a last line without its end, other delimiters, bytes that are not UTF-8
        let cases: &[(&[u8], u8)] = &[
            (b"a,b\n1,2\n3,4", b','),
            (b"a,b\r\n1,2\r\n\r\n3,4\r\n", b','),
            (b"a,b\r1,2\r3,4\r", b','),
            (b"\n\r\na,b\n\n1,2\n\r\r\n3,4\n\n", b','),
            (b"a,b,c\n,,\n x , y ,z \n", b','),
            (b"a;b\n1;2,5\n", b';'),
            (b"a\tb\n1\t\xff\xfe\n", b'\t'),
            (b"a,b\n1,2,3\n", b','),
            (b"a,b\n1\n", b','),
            (b"a,b\n1,2\n,\n", b','),
            (b"a,b\n", b','),
            (b"", b','),
            (b"\n\n", b','),
        ];
        for &(input, delimiter) in cases {
            assert_eq!(
                by_hand(input, delimiter),
                by_csv_reader(input, delimiter),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn hand_split_records_match_the_csv_reader_on_random_bytes() {
        // every short string over an alphabet of separators and field bytes, drawn by a
        // fixed linear congruential sequence
        let alphabet = b"ab1,;\n\r \t\xc3";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut compared = 0;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            // a quarter of them up to 512 bytes, across the splitter's blocks of 64
            let len = (state >> if compared % 8 == 0 { 55 } else { 59 }) as usize + 1;
            let mut input = Vec::with_capacity(len);
            let mut s = state;
            for _ in 0..len {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                input.push(alphabet[(s >> 33) as usize % alphabet.len()]);
            }
            for delimiter in [b',', b';'] {
                assert_eq!(
                    by_hand(&input, delimiter),
                    by_csv_reader(&input, delimiter),
                    "{:?}",
                    String::from_utf8_lossy(&input)
                );
                compared += 1;
            }
        }
        assert_eq!(compared, 40_000);
    }

    #[test]
    fn records_across_the_blocks_of_the_splitter_are_the_csv_readers() {
        // 3-field records whose fields and line ends (of all kinds, with blank lines) fall at
        // every offset of the 64-byte blocks, as lines of files that end with or without a
        // line end
        let mut input = b"id,x,note".to_vec();
        for i in 0..600usize {
            input.extend_from_slice(["\n", "\r\n", "\r", "\n\n"][i % 4].as_bytes());
            let note = "z".repeat(i % 71);
            input.extend_from_slice(format!("{i},{},{note}", i % 13).as_bytes());
        }
        for end in [&b""[..], b"\n", b"\r\n"] {
            let mut input = input.clone();
            input.extend_from_slice(end);
            let records = by_hand(&input, b',').unwrap();
            assert_eq!(records.len(), 600);
            assert_eq!(Ok(records), by_csv_reader(&input, b','));
        }
    }

    #[test]
    fn block_masks_mark_the_separators_at_every_offset() {
        let bytes: Vec<u8> = (0..200u32)
            .map(|i| b"ab,;\n\r9 "[(i * i % 8) as usize])
            .collect();
        for start in 0..bytes.len() {
            for delimiter in [b',', b';'] {
                let block = &bytes[start..];
                let expected = (0..block.len().min(64))
                    .filter(|&i| [delimiter, b'\n', b'\r'].contains(&block[i]))
                    .fold(0u64, |m, i| m | 1 << i);
                assert_eq!(block_mask(block, delimiter), expected, "{start}");
            }
        }
        let all: Vec<usize> = Separators::new(&bytes, b',').collect();
        let expected: Vec<usize> = (0..bytes.len())
            .filter(|&i| [b',', b'\n', b'\r'].contains(&bytes[i]))
            .collect();
        assert_eq!(all, expected);
    }

    #[test]
    fn an_error_of_the_callback_stops_the_split() {
        let mut seen = 0;
        let err = split_records(b"h\n1\n2\n3\n", b',', true, 1, |row, _| {
            seen += 1;
            if row == 2 {
                return Err(Error::invalid_value(row, "h", 2, "stop"));
            }
            Ok(())
        })
        .unwrap_err();
        assert_eq!(seen, 2);
        assert!(err.to_string().starts_with("row 2"), "{err}");
    }
}
