// LogUp GKR sumcheck rounds run wholly inside one workgroup, with the sponge on the device: the
// rounds whose matrices are small (at most a few pairs of rows per invocation), so that each
// costs barriers instead of dispatches. Two uses:
// - whole layers first_layer..=last_layer (first_round == 0): per layer, sample λ, build the
//   eq table at the previous layer's point, run every round from the tree layer (`tree`), then
//   the claims and μ;
// - the tail of one layer (first_layer == last_layer, first_round > 0): rounds first_round..
//   on the matrix and eq column the previous (device-wide) round left in pq_in, eq_in, folded
//   at its challenge here; then the claims and μ.
// A round is upstream's (gkr_sumcheck_round.wgsl has the formulas): the fold of the previous
// round's matrix at its challenge r, the sums s(1), s(2), s(3) over the pairs of rows, written
// to `messages`, observed, and the next challenge sampled into `challenges`. With next_lambda
// the next layer's λ is sampled at the end. Slots follow logup_gkr.rs: layer L's point at
// L(L+1)/2, its λ at n(n+1)/2 + L, its messages from sum over 1 <= k < L of (3k + 4).
// `work` holds two sets of folded rows (4 extension elements each) and eq values, used in turn,
// of work_rows rows each: matrix set a from a * 4 work_rows, eq set a from (8 + a) work_rows;
// a layer's eq table is eq set 0 (round 0 reads it, round 1 folds it into set 1).
#import grid
#import babybear_ext4
#import gkr_round
// Before ext_reduce: naga's override processing rejects the sponge's constant tables when
// their types come after the override-sized reduction scratch.
#import duplex_sponge
#import ext_reduce

struct Params {
    first_layer: u32,
    last_layer: u32,
    first_round: u32,
    layers: u32,
    next_lambda: u32,
    work_rows: u32,
    workgroup_base: u32,
    _pad0: u32,
}

@group(0) @binding(0) var<storage, read_write> sponge: array<u32>;
// Tree layers 2.. : layer k (2^k fractions of two extension elements) from element 2 (2^k - 4).
@group(0) @binding(1) var<storage, read> tree: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> pq_in: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> eq_in: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read_write> work: array<vec4<u32>>;
@group(0) @binding(5) var<storage, read_write> messages: array<vec4<u32>>;
@group(0) @binding(6) var<storage, read_write> challenges: array<vec4<u32>>;
@group(0) @binding(7) var<uniform> params: Params;

// Where a round's matrix is read: the tree layer, the tail's input, or working set 0 or 1.
const FROM_TREE: u32 = 0u;
const FROM_INPUT: u32 = 1u;
const FROM_WORK: u32 = 2u;


fn tree_base(layer: u32) -> u32 {
    // The matrix of layer L is tree layer L + 1 read two fractions per row.
    return 2u * ((2u << layer) - 4u);
}

fn pq_set(which: u32) -> u32 {
    return which * 4u * params.work_rows;
}

fn eq_set(which: u32) -> u32 {
    return (8u + which) * params.work_rows;
}

// Element i of the matrix (rows of four) and of the eq column a round reads. A whole layer's
// eq table is eq set 0.
fn pq_at(origin: u32, layer: u32, i: u32) -> vec4<u32> {
    if (origin == FROM_TREE) {
        return tree[tree_base(layer) + i];
    }
    if (origin == FROM_INPUT) {
        return pq_in[i];
    }
    return work[pq_set(origin - FROM_WORK) + i];
}

fn eq_at(origin: u32, i: u32) -> vec4<u32> {
    if (origin == FROM_TREE) {
        return work[eq_set(0u) + i];
    }
    if (origin == FROM_INPUT) {
        return eq_in[i];
    }
    return work[eq_set(origin - FROM_WORK) + i];
}

// Round s of `layer` over y < half, reading from `from` (folded at r when s > 0, and then
// written to working set s mod 2): every invocation's partial (s(1), s(2), s(3)).
fn round_sums(origin: u32, layer: u32, s: u32, r: vec4<u32>, lambda: vec4<u32>, lid: u32) -> array<vec4<u32>, 3> {
    var sums = array<vec4<u32>, 3>(vec4<u32>(0u), vec4<u32>(0u), vec4<u32>(0u));
    let half = 1u << (layer - 1u - s);
    let dst = pq_set(s % 2u);
    let dst_eq = eq_set(s % 2u);
    for (var y = lid; y < half; y += WORKGROUP_SIZE) {
        // Rows 2y (lo) and 2y + 1 (hi) of this round's matrix, and their eq values.
        var lo: array<vec4<u32>, 4>;
        var hi: array<vec4<u32>, 4>;
        var e0: vec4<u32>;
        var e1: vec4<u32>;
        if (s == 0u) {
            for (var c = 0u; c < 4u; c++) {
                lo[c] = pq_at(origin, layer, 8u * y + c);
                hi[c] = pq_at(origin, layer, 8u * y + 4u + c);
            }
            e0 = eq_at(origin, 2u * y);
            e1 = eq_at(origin, 2u * y + 1u);
        } else {
            for (var c = 0u; c < 4u; c++) {
                lo[c] = gkr_fold_at(r, pq_at(origin, layer, 16u * y + c), pq_at(origin, layer, 16u * y + 4u + c));
                hi[c] = gkr_fold_at(r, pq_at(origin, layer, 16u * y + 8u + c), pq_at(origin, layer, 16u * y + 12u + c));
                work[dst + 8u * y + c] = lo[c];
                work[dst + 8u * y + 4u + c] = hi[c];
            }
            e0 = gkr_fold_at(r, eq_at(origin, 4u * y), eq_at(origin, 4u * y + 1u));
            e1 = gkr_fold_at(r, eq_at(origin, 4u * y + 2u), eq_at(origin, 4u * y + 3u));
            work[dst_eq + 2u * y] = e0;
            work[dst_eq + 2u * y + 1u] = e1;
        }
        let evals = gkr_pair_evals(lambda, lo, hi, e0, e1);
        for (var k = 0u; k < 3u; k++) {
            sums[k] = ext_add(sums[k], evals[k]);
        }
    }
    return sums;
}

// A layer's transcript steps, in order: stage 0 samples λ; stage 1 + s is round s (its sums
// observed, its challenge sampled); stage layer + 1 the claims (observed, μ sampled).
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(inv: Invocation) {
    let lid = inv.lid;
    let n = params.layers;
    var idx = sponge_begin(lid);
    var layer = params.first_layer;
    var stage = 0u;
    var lambda = vec4<u32>(0u);
    // The previous round's challenge.
    var r = vec4<u32>(0u);
    if (params.first_round > 0u) {
        // A tail: λ and the previous round's challenge come from earlier dispatches.
        stage = 1u + params.first_round;
        lambda = challenges[n * (n + 1u) / 2u + layer];
        r = challenges[layer * (layer + 1u) / 2u + params.first_round];
    }
    loop {
        let point = layer * (layer + 1u) / 2u;
        let at = 3u * (layer - 1u) * layer / 2u + 4u * (layer - 1u);
        // The step's work writes messages[observe..observe + count]; it samples into `slot`.
        var observe = 0u;
        var count = 0u;
        var slot = n * (n + 1u) / 2u + layer;
        if (stage >= 1u && stage <= layer) {
            let s = stage - 1u;
            if (s == 0u) {
                // The eq table at the previous layer's point, whose μ invocation 0 may have
                // sampled just before.
                storageBarrier();
                let prev = (layer - 1u) * layer / 2u;
                for (var x = lid; x < (1u << layer); x += WORKGROUP_SIZE) {
                    var acc = ext_from_base(BB_ONE);
                    for (var j = 0u; j < layer; j++) {
                        let rj = challenges[prev + j];
                        acc = ext_mul(acc, select(ext_sub(ext_from_base(BB_ONE), rj), rj, ((x >> j) & 1u) == 1u));
                    }
                    work[eq_set(0u) + x] = acc;
                }
                storageBarrier();
            }
            var origin = FROM_WORK + (s + 1u) % 2u;
            if (s <= 1u && params.first_round == 0u) {
                origin = FROM_TREE;
            } else if (s == params.first_round && layer == params.first_layer) {
                origin = FROM_INPUT;
            }
            let sums = round_sums(origin, layer, s, r, lambda, lid);
            observe = at + 3u * s;
            count = 3u;
            for (var k = 0u; k < 3u; k++) {
                let total = reduce_lanes(lid, sums[k], 1u);
                if (lid == 0u) {
                    messages[observe + k] = total;
                }
            }
            slot = point + 1u + s;
        } else if (stage > layer) {
            // The last round's two rows folded at its challenge: the claims.
            storageBarrier();
            observe = at + 3u * layer;
            count = 4u;
            if (lid == 0u) {
                for (var c = 0u; c < 4u; c++) {
                    var row0: vec4<u32>;
                    var row1: vec4<u32>;
                    if (layer == 1u) {
                        row0 = tree[tree_base(layer) + c];
                        row1 = tree[tree_base(layer) + 4u + c];
                    } else {
                        row0 = work[pq_set((layer - 1u) % 2u) + c];
                        row1 = work[pq_set((layer - 1u) % 2u) + 4u + c];
                    }
                    messages[observe + c] = gkr_fold_at(r, row0, row1);
                }
            }
            slot = point;
        }
        // The step, word by word (the one place this kernel runs the sponge): invocation 0
        // reads back the messages it wrote.
        var sampled = vec4<u32>(0u);
        for (var w = 0u; w < 4u * (count + 1u); w++) {
            let i = w / 4u;
            let c = w % 4u;
            let squeeze = i == count;
            var word = 0u;
            if (!squeeze && lid == 0u) {
                word = messages[observe + i][c];
            }
            sampled[c] = sponge_duplex_word(lid, &idx, word, squeeze);
        }
        if (lid == 0u) {
            challenges[slot] = sampled;
        }
        if (layer > params.last_layer) {
            // The next layer's λ.
            break;
        }
        if (stage == 0u) {
            lambda = sampled;
            stage = 1u;
        } else if (stage <= layer) {
            r = sampled;
            stage += 1u;
            // The folded rows are read by other invocations next.
            storageBarrier();
        } else {
            layer += 1u;
            stage = 0u;
            if (layer > params.last_layer && params.next_lambda == 0u) {
                break;
            }
        }
    }
    sponge_end(lid, idx);
}
