// Rv32HintStoreAir's trace from Rv32HintStoreRecordMut records (a header, then one
// Rv32HintStoreVar per word): upstream's Rv32HintStoreFiller, one invocation per row. `records`
// holds a piece of the arena (whole records that fit one binding); `record_starts` each of its
// records' (first trace row, first word within the piece), exactly those.
#import tracegen
#import range_checker
#import bitwise_lookup

override WORKGROUP_SIZE: u32;

@group(0) @binding(2) var<storage, read> record_starts: array<u32>;
@group(0) @binding(3) var<storage, read_write> range_counts: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> bitwise_counts: array<atomic<u32>>;
@group(0) @binding(5) var<uniform> params: TraceParams;

// The last record whose first row is at or before `row`: its index into record_starts.
fn find_record(row: u32) -> u32 {
    var lo = 0u;
    var hi = arrayLength(&record_starts) / 2u;
    while (hi - lo > 1u) {
        let mid = (lo + hi) / 2u;
        if (record_starts[2u * mid] <= row) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    if (!begin_row(inv, WORKGROUP_SIZE)) {
        return;
    }
    let k = find_record(trace_row);
    let idx = trace_row - record_starts[2u * k];
    record_base = record_starts[2u * k + 1u];

    let num_words = rec_u32(REC_NUM_WORDS);
    let is_single = rec_u32(REC_NUM_WORDS_PTR) == 0xffffffffu;
    let timestamp = rec_u32(REC_TIMESTAMP) + 3u * idx;
    let mem_ptr = rec_u32(REC_MEM_PTR);
    let var_at = REC_VARS + idx * REC_VAR_BYTES;

    if (idx == 0u) {
        // mem_ptr's most significant limb within pointer_max_bits, num_words's second limb
        // within MAX_HINT_BUFFER_WORDS_BITS, in one range request.
        let msl_lshift = 32u - params.pointer_max_bits;
        let rem_words_msl_lshift = 16u - MAX_HINT_BUFFER_WORDS_BITS;
        bitwise_range((mem_ptr >> 24u) << msl_lshift, ((num_words >> 8u) & 0xffu) << rem_words_msl_lshift);
        mem_aux_fill(COL_MEM_PTR_AUX, rec_u32(REC_MEM_PTR_AUX), timestamp);
    } else {
        mem_aux_zero(COL_MEM_PTR_AUX);
    }

    let data = rec_bytes4(var_at + REC_VAR_DATA);
    bitwise_range(data & 0xffu, (data >> 8u) & 0xffu);
    bitwise_range((data >> 16u) & 0xffu, data >> 24u);

    let is_buffer_start = idx == 0u && !is_single;
    if (is_buffer_start) {
        mem_aux_fill(COL_NUM_WORDS_AUX, rec_u32(REC_NUM_WORDS_READ), timestamp + 1u);
        put_u32(COL_NUM_WORDS_PTR, rec_u32(REC_NUM_WORDS_PTR));
    } else {
        mem_aux_zero(COL_NUM_WORDS_AUX);
        put(COL_NUM_WORDS_PTR, 0u);
    }
    put_u32(COL_IS_BUFFER_START, u32(is_buffer_start));

    mem_aux_fill(COL_WRITE_AUX, rec_u32(var_at + REC_VAR_WRITE_AUX_PREV_TIMESTAMP), timestamp + 2u);
    let ptr = mem_ptr + 4u * idx;
    let rem_words = num_words - idx;
    put_word_limbs(COL_DATA, data);
    put_rec_limbs(COL_WRITE_AUX_PREV_DATA, var_at + REC_VAR_WRITE_AUX_PREV_DATA);
    put_word_limbs(COL_MEM_PTR_LIMBS, ptr);
    put_word_limbs(COL_REM_WORDS_LIMBS, rem_words);
    put_u32(COL_MEM_PTR_PTR, rec_u32(REC_MEM_PTR_PTR));
    put_u32(COL_FROM_TIMESTAMP, timestamp);
    put_u32(COL_FROM_PC, rec_u32(REC_FROM_PC));
    put_u32(COL_IS_BUFFER, u32(!is_single));
    put_u32(COL_IS_SINGLE, u32(is_single));
}
