// Poseidon2 periphery, deduplication step 1: every input (16 words, record i at words 16 i ..)
// finds the slot of the open-addressing hash table that holds its value, inserting itself if
// none does. A slot holds 1 + a record index (0: empty); the records are immutable, so
// inputs compare by reading the record a slot names. Every record of one value lowers its
// slot to 1 + the smallest record index of that value (atomicMin: the value's owner, the same
// whatever the order the invocations ran in), counts itself in the slot's multiplicity and
// writes its slot. A record that finds no slot within `max_probes` counts itself in
// status[1] and the host reports the failure.
#import grid

override WORKGROUP_SIZE: u32;

struct Params {
    // Records.
    count: u32,
    // Slots - 1 (slots are a power of two).
    mask: u32,
    // Probes a record may make: the device's loop cap shared with the key comparisons.
    max_probes: u32,
    seed: u32,
    workgroup_base: u32,
}

@group(0) @binding(0) var<storage, read> inputs: array<u32>;
@group(0) @binding(1) var<storage, read_write> table: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read_write> mult: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> slot_of: array<u32>;
@group(0) @binding(4) var<storage, read_write> status: array<atomic<u32>>;
@group(0) @binding(5) var<uniform> params: Params;

fn rotl(x: u32, r: u32) -> u32 {
    return (x << r) | (x >> (32u - r));
}

// MurmurHash3 (x86, 32-bit) of the record's 16 words.
fn hash_input(record: u32) -> u32 {
    var h = params.seed;
    for (var k = 0u; k < INPUT_WORDS; k++) {
        h = rotl(h ^ (rotl(inputs[record * INPUT_WORDS + k] * 0xcc9e2d51u, 15u) * 0x1b873593u), 13u) * 5u + 0xe6546b64u;
    }
    h ^= INPUT_WORDS * 4u;
    h ^= h >> 16u;
    h *= 0x85ebca6bu;
    h ^= h >> 13u;
    h *= 0xc2b2ae35u;
    return h ^ (h >> 16u);
}

fn same_input(a: u32, b: u32) -> bool {
    for (var k = 0u; k < INPUT_WORDS; k++) {
        if (inputs[a * INPUT_WORDS + k] != inputs[b * INPUT_WORDS + k]) {
            return false;
        }
    }
    return true;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let i = global_invocation(inv, params.workgroup_base, WORKGROUP_SIZE);
    if (i >= params.count) {
        return;
    }
    var slot = hash_input(i) & params.mask;
    var found = false;
    for (var probe = 0u; probe < params.max_probes; probe++) {
        let seen = atomicCompareExchangeWeak(&table[slot], 0u, i + 1u);
        if (seen.exchanged) {
            found = true;
            break;
        }
        // A weak exchange may fail on an empty slot: try the slot again.
        if (seen.old_value == 0u) {
            continue;
        }
        if (same_input(seen.old_value - 1u, i)) {
            atomicMin(&table[slot], i + 1u);
            found = true;
            break;
        }
        slot = (slot + 1u) & params.mask;
    }
    if (!found) {
        atomicAdd(&status[1], 1u);
        return;
    }
    atomicAdd(&mult[slot], 1u);
    slot_of[i] = slot;
}
