//! The GPU trace commitment against upstream's `stacked_commit` and the sdk's Poseidon2: roots,
//! stacked matrices, opened rows and authentication paths, bit for bit, under every limit
//! profile.

use crate::common;

use openvm_stark_backend::{
    prover::{stacked_pcs::stacked_commit as cpu_stacked_commit, ColMajorMatrix},
    StarkProtocolConfig, SystemParams,
};
use openvm_stark_sdk::config::{
    app_params_with_100_bits_security,
    baby_bear_poseidon2::{poseidon2_perm, BabyBearPoseidon2Config, Digest},
};
use openvm_wgpu_backend::{
    commit::stacked_pcs::{commit_traces, stacked_commit, stacked_commit_row_major, Traces},
    common::ColumnMatrix,
    field::{as_words, from_words, F},
    kernels::poseidon2_permute::permute,
    GpuContext, GpuError, LimitProfile,
};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::dense::RowMajorMatrix;
use p3_symmetric::Permutation;
use rand::Rng;

#[test]
fn poseidon2_matches_the_sdk_permutation() {
    for (profile, ctx) in common::profiles() {
        let mut states: Vec<[F; 16]> = vec![[F::ZERO; 16], [F::ONE; 16], [F::NEG_ONE; 16]];
        let mut rng = common::rng(16);
        states.extend((0..2000).map(|_| std::array::from_fn(|_| rng.random())));
        let flat: Vec<F> = states.iter().flatten().copied().collect();
        let got = from_words(permute(&ctx, as_words(&flat)).unwrap()).unwrap();
        for (i, s) in states.iter().enumerate() {
            let mut want = *s;
            poseidon2_perm().permute_mut(&mut want);
            assert_eq!(&got[16 * i..16 * i + 16], &want[..], "state {i} under {profile}");
        }
    }
}

/// Random traces, tallest first: heights from 1 (below 2^l_skip, stacked with stride) up to
/// `max_log`, widths from 1 to `wide`.
fn random_traces(seed: u64, max_log: usize, wide: usize) -> Vec<ColMajorMatrix<F>> {
    let mut rng = common::rng(seed);
    let mut shapes: Vec<(usize, usize)> = vec![(max_log, 3), (max_log, wide), (max_log - 1, 1), (3, 5), (1, 2), (0, 7)];
    for _ in 0..4 {
        shapes.push((rng.random_range(0..=max_log), rng.random_range(1..=9)));
    }
    shapes.sort_by_key(|s| std::cmp::Reverse(s.0));
    shapes.into_iter().map(|(log_h, w)| ColMajorMatrix::new(common::random_field(&mut rng, w << log_h), w)).collect()
}

fn to_row_major(m: &ColMajorMatrix<F>) -> RowMajorMatrix<F> {
    use openvm_stark_backend::prover::MatrixDimensions;
    let (h, w) = (m.height(), m.width());
    let mut v = vec![F::ZERO; h * w];
    for c in 0..w {
        for (r, x) in m.column(c).iter().enumerate() {
            v[r * w + c] = *x;
        }
    }
    RowMajorMatrix::new(v, w)
}

/// Our commitment of `traces` (given column-major) against upstream's, under every profile.
/// The same traces given row-major and already on the device (the other two ways in, which
/// differ only in how the stacked matrix is built) are committed under every profile when
/// `every_way_in_under_every_profile`, else under the adapter's own limits and the tiny
/// profile's, the two extremes of launch shapes and buffer splits.
fn check_against_upstream(params: &SystemParams, traces: &[ColMajorMatrix<F>], what: &str, every_way_in_under_every_profile: bool) {
    let refs: Vec<&ColMajorMatrix<F>> = traces.iter().collect();
    let config = BabyBearPoseidon2Config::default_from_params(params.clone());
    let (l_skip, n_stack, log_blowup, k_whir) = (params.l_skip, params.n_stack, params.log_blowup, params.k_whir());
    let (want_root, want) = cpu_stacked_commit(config.hasher(), l_skip, n_stack, log_blowup, k_whir, &refs).unwrap();
    let mut rng = common::rng(77);
    for (profile, ctx) in common::profiles() {
        let (root, data) =
            stacked_commit(&ctx, l_skip, n_stack, log_blowup, k_whir, &refs).unwrap_or_else(|e| panic!("{what} under {profile}: {e}"));
        assert_eq!(root, want_root, "{what}: root under {profile}");
        if every_way_in_under_every_profile || matches!(profile, LimitProfile::Native | LimitProfile::Tiny) {
            check_other_ways_in(&ctx, params, traces, (&want_root, &want.matrix.values), &format!("{what} under {profile}"));
        }
        // The codewords and every digest layer stay on the device and equal upstream's.
        assert!(
            from_words(data.tree.matrix.read_col_major(&ctx).unwrap()).unwrap() == want.tree.backing_matrix().values,
            "{what}: codewords under {profile}"
        );
        let layers: Vec<Vec<[F; 8]>> = data
            .tree
            .layers
            .iter()
            .map(|l| from_words(l.read(&ctx).unwrap()).unwrap().chunks_exact(8).map(|c| std::array::from_fn(|i| c[i])).collect())
            .collect();
        assert!(&layers == want.tree.digest_layers(), "{what}: digest layers under {profile}");
        assert_eq!(
            from_words(data.matrix.read_col_major(&ctx).unwrap()).unwrap(),
            want.matrix.values,
            "{what}: stacked matrix under {profile}"
        );
        let stride = want.tree.query_stride();
        assert_eq!(data.tree.query_stride(), stride);
        assert_eq!(data.tree.proof_depth(), want.tree.proof_depth());
        let mut queries: Vec<usize> = (0..20).map(|_| rng.random_range(0..stride)).collect();
        queries.extend([0, stride - 1]);
        let rows = data.tree.open_rows(&ctx, &queries).unwrap();
        let paths = data.tree.open_paths(&ctx, &queries).unwrap();
        // Both in one submission give the same.
        let (rows_once, paths_once) = data.tree.open(&ctx, &queries).unwrap();
        assert!(rows_once == rows && paths_once == paths, "{what}: open differs from open_rows/open_paths under {profile}");
        for (k, &q) in queries.iter().enumerate() {
            assert_eq!(rows[k], want.tree.get_opened_rows(q).unwrap(), "{what}: rows of query {q} under {profile}");
            assert_eq!(paths[k], want.tree.query_merkle_proof(q).unwrap(), "{what}: path of query {q} under {profile}");
        }
    }
}

/// The row-major and device-resident ways into the commitment give `want` (the root and the
/// stacked matrix).
fn check_other_ways_in(ctx: &GpuContext, params: &SystemParams, traces: &[ColMajorMatrix<F>], want: (&Digest, &[F]), what: &str) {
    let (want_root, want_matrix) = want;
    let (l_skip, n_stack, log_blowup, k_whir) = (params.l_skip, params.n_stack, params.log_blowup, params.k_whir());
    // The same traces given row-major are transposed on the GPU into the same commitment.
    let row_major: Vec<RowMajorMatrix<F>> = traces.iter().map(to_row_major).collect();
    let row_refs: Vec<&RowMajorMatrix<F>> = row_major.iter().collect();
    let (root_rm, data_rm) = stacked_commit_row_major(ctx, l_skip, n_stack, log_blowup, k_whir, &row_refs).unwrap();
    assert_eq!(&root_rm, want_root, "{what}: root from row-major traces");
    assert_eq!(from_words(data_rm.matrix.read_col_major(ctx).unwrap()).unwrap(), want_matrix, "{what}: stacked row-major");
    drop(data_rm);
    // The same traces already on the device (as the prover holds them) are stacked there
    // by merged compute copies into the same commitment.
    let device: Vec<ColumnMatrix> = traces.iter().map(|t| common::upload(ctx, t)).collect();
    let device_refs: Vec<&ColumnMatrix> = device.iter().collect();
    let (root_dev, data_dev) = commit_traces(ctx, l_skip, n_stack, log_blowup, k_whir, Traces::Device(&device_refs)).unwrap();
    assert_eq!(&root_dev, want_root, "{what}: root from device traces");
    assert_eq!(from_words(data_dev.matrix.read_col_major(ctx).unwrap()).unwrap(), want_matrix, "{what}: stacked device traces");
    drop((data_dev, device));
}

#[test]
fn commit_matches_upstream_with_small_test_params() {
    use openvm_stark_backend::test_utils::test_system_params_small;
    for (i, &(l_skip, n_stack, k_whir)) in [(2usize, 8usize, 3usize), (0, 9, 2), (3, 7, 1), (4, 5, 4)].iter().enumerate() {
        let params = test_system_params_small(l_skip, n_stack, k_whir);
        let traces = random_traces(i as u64, (l_skip + n_stack).min(8), 40);
        check_against_upstream(&params, &traces, &format!("l_skip={l_skip} n_stack={n_stack} k_whir={k_whir}"), true);
    }
}

#[test]
fn commit_matches_upstream_with_wide_traces_split_over_bindings() {
    // 300 columns of 2^12 rows: under the tiny profile (16 MiB bindings) the codewords span
    // several buffers, so rows are hashed across chunks.
    use openvm_stark_backend::test_utils::test_system_params_small;
    let params = test_system_params_small(2, 10, 2);
    let traces = random_traces(9, 12, 1100);
    check_against_upstream(&params, &traces, "1100-wide", false);
}

#[test]
fn commit_matches_upstream_with_keccakf_params() {
    // The keccakf example's parameters: l_skip = 4, n_stack = 17, blowup 2, 16 rows per query.
    // The 2^22 leaf digests take 128 MiB: under the tiny profile (16 MiB bindings) they are
    // split over 8 buffers, the first strided layers over 4 and 2.
    let params = app_params_with_100_bits_security(21);
    let traces = random_traces(21, 12, 30);
    check_against_upstream(&params, &traces, "app_params_with_100_bits_security(21)", false);
}

#[test]
fn oversize_commit_reports_what_it_needs_and_what_the_device_allows() {
    // Under the tiny profile (16 MiB bindings) a codeword column of a 2^22-row stacked matrix
    // at blowup 2 takes 32 MiB; the encoding transforms whole columns, so that is refused
    // before any GPU work.
    let ctx = common::ctx(LimitProfile::Tiny);
    let trace = ColMajorMatrix::new(common::random_field(&mut common::rng(3), 1 << 12), 1);
    let err = stacked_commit(&ctx, 4, 18, 1, 4, &[&trace]).err().expect("must not fit the tiny profile");
    match &err {
        GpuError::BufferTooLargeIn { needed, available, note, .. } => {
            assert_eq!((*needed, *available), (32 << 20, ctx.limits.max_binding_bytes()), "{err}");
            assert!(err.to_string().contains("codeword column"), "{err}");
            assert!(note.contains("MiB of GPU memory in all"), "{err}");
        }
        other => panic!("expected an oversize error, got {other}"),
    }
}

/// Merkle trees whose digest layers are split into chunks of a few digests (down to one, so
/// that a node's children, and the strided pairs of the query layers, lie in different
/// chunks), over matrices split by columns as well, against upstream's CPU tree: every layer,
/// the root, and the rows and paths of every query, under every profile.
#[test]
fn split_merkle_trees_match_upstream() {
    use openvm_stark_backend::{prover::stacked_pcs::MerkleTree as CpuMerkleTree, test_utils::test_system_params_small};
    use openvm_wgpu_backend::commit::merkle_tree::MerkleTree;
    let config = BabyBearPoseidon2Config::default_from_params(test_system_params_small(2, 8, 3));
    // (log2 height, width, columns per matrix chunk, rows per query, digests per chunk)
    let cases: [(usize, usize, usize, usize, Option<usize>); 11] = [
        (0, 3, 3, 1, Some(1)),
        (1, 1, 1, 1, Some(1)),
        (1, 2, 1, 2, Some(1)),
        (3, 9, 4, 8, Some(1)),
        (4, 5, 2, 1, Some(2)),
        (5, 3, 3, 4, Some(1)),
        (6, 17, 8, 8, Some(2)),
        (7, 2, 1, 16, Some(4)),
        (8, 13, 5, 2, Some(8)),
        (10, 1, 1, 16, Some(64)),
        (9, 4, 4, 4, None),
    ];
    let mut rng = common::rng(31);
    for (profile, ctx) in common::profiles() {
        for &(log_h, width, per_chunk, rpq, digests_per_chunk) in &cases {
            let what = format!("2^{log_h} x {width} ({per_chunk} columns per buffer), {rpq} rows per query, {digests_per_chunk:?} digests per chunk, under {profile}");
            let h = 1usize << log_h;
            let values = common::random_field(&mut rng, h * width);
            let chunks = values
                .chunks(per_chunk * h)
                .map(|c| openvm_wgpu_backend::common::GpuBuffer::from_slice(&ctx, "test", as_words(c)).unwrap())
                .collect();
            let matrix = ColumnMatrix { height: h, width, columns_per_chunk: per_chunk, chunks };
            let tree = MerkleTree::with_digests_per_chunk(&ctx, matrix, rpq, digests_per_chunk).unwrap_or_else(|e| panic!("{what}: {e}"));
            let want = CpuMerkleTree::new(config.hasher(), ColMajorMatrix::new(values, width), rpq).unwrap();
            let layers: Vec<Vec<[F; 8]>> = tree
                .layers
                .iter()
                .map(|l| from_words(l.read(&ctx).unwrap()).unwrap().chunks_exact(8).map(|c| std::array::from_fn(|i| c[i])).collect())
                .collect();
            assert!(&layers == want.digest_layers(), "{what}: digest layers");
            if let Some(cap) = digests_per_chunk {
                assert!(tree.layers.iter().all(|l| l.items_per_chunk <= cap), "{what}: chunks larger than asked");
            }
            assert_eq!(tree.root(&ctx).unwrap(), want.root().unwrap(), "{what}: root");
            let queries: Vec<usize> = (0..tree.query_stride()).collect();
            let (rows, paths) = tree.open(&ctx, &queries).unwrap();
            for &q in &queries {
                assert_eq!(rows[q], want.get_opened_rows(q).unwrap(), "{what}: rows of query {q}");
                assert_eq!(paths[q], want.query_merkle_proof(q).unwrap(), "{what}: path of query {q}");
            }
        }
    }
}

#[test]
fn bad_traces_are_refused_before_gpu_work() {
    let ctx = common::ctx(LimitProfile::Native);
    // (Heights that are not powers of two cannot reach here: upstream's ColMajorMatrix refuses them.)
    let ok = ColMajorMatrix::new(vec![F::ONE; 16], 2);
    let tall = ColMajorMatrix::new(vec![F::ONE; 64], 1);
    let err = stacked_commit(&ctx, 2, 4, 1, 1, &[&ok, &tall]).err().expect("unsorted traces must be refused");
    assert!(err.to_string().contains("sorted"), "{err}");
    let too_tall = ColMajorMatrix::new(vec![F::ONE; 256], 1);
    let err = stacked_commit(&ctx, 2, 4, 1, 1, &[&too_tall]).err().expect("a trace taller than the stacked height must be refused");
    assert!(matches!(err, GpuError::InvalidArgument { .. }), "{err}");
}

/// A row-major host trace (openvm-circuit's layout) reaches the device column-major, transposed
/// there: read back, it equals the host transpose, under every profile (on `tiny` the matrix
/// spans two bindings and the upload several row slices), and for edge shapes.
#[test]
fn row_major_traces_transport_transposed() {
    use openvm_stark_backend::{
        prover::{ColMajorMatrix, DeviceDataTransporter},
        test_utils::test_system_params_small,
    };
    use openvm_wgpu_backend::device::{transport_row_major_matrix, WgpuDevice};
    for (profile, gpu) in common::profiles() {
        let device = WgpuDevice::new(gpu.clone(), BabyBearPoseidon2Config::default_from_params(test_system_params_small(2, 8, 3)));
        for (seed, (height, width)) in [(1usize, 1usize), (1, 7), (4, 1), (64, 33), (1 << 16, 80)].into_iter().enumerate() {
            let mut rng = common::rng(seed as u64);
            let values: Vec<F> = (0..height * width).map(|_| rng.random()).collect();
            let host = RowMajorMatrix::new(values, width);
            let m = transport_row_major_matrix(&gpu, &host);
            let back = device.transport_matrix_from_device_to_host(&m);
            assert_eq!(back.values, ColMajorMatrix::from_row_major(&host).values, "{height} x {width} on {profile}");
        }
    }
}
