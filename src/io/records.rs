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
    let mut ends = Vec::with_capacity(fields);
    let (mut pos, mut row, mut skip) = (0, 0, skip_first);
    while pos < bytes.len() {
        ends.clear();
        let line = line_fields(&bytes[pos..], delimiter, &mut ends);
        pos += line.len() + 1;
        if line.is_empty() {
            continue;
        }
        if std::mem::take(&mut skip) {
            continue;
        }
        row += 1;
        if ends.len() != fields {
            return Err(Error::invalid_value(
                row,
                "record",
                fields,
                "unequal record lengths",
            ));
        }
        each(row, &Record::Split { line, ends: &ends })?;
    }
    Ok(())
}

/// The line at the start of `bytes` (up to the first `\n` or `\r`, or the end), with the end
/// of each of its fields pushed onto `ends`.
#[inline]
fn line_fields<'a>(bytes: &'a [u8], delimiter: u8, ends: &mut Vec<usize>) -> &'a [u8] {
    for (i, &b) in bytes.iter().enumerate() {
        if b == delimiter {
            ends.push(i);
        } else if b == b'\n' || b == b'\r' {
            ends.push(i);
            return &bytes[..i];
        }
    }
    ends.push(bytes.len());
    bytes
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
        let mut header = Vec::new();
        let first = input
            .split(|&b| b == b'\n' || b == b'\r')
            .find(|l| !l.is_empty());
        if let Some(first) = first {
            line_fields(first, delimiter, &mut header);
        }
        let mut out = Vec::new();
        split_records(input, delimiter, true, header.len(), |row, r| {
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
            let len = (state >> 59) as usize + 1;
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
