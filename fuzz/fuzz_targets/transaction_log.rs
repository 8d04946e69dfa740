#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    clv_fuzz::transaction_log(data);
});
