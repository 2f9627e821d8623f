//! The NTT kernels against independent CPU references (Plonky3's DFTs, upstream's
//! `rs_code_matrix`), on random inputs and edge sizes, under every limit profile.

use crate::common;

use openvm_stark_backend::prover::{stacked_pcs::rs_code_matrix as cpu_rs_code_matrix, ColMajorMatrix};
use openvm_wgpu_backend::{
    commit::stacked_pcs::rs_code_matrix,
    common::{limits::MAX_SMALL_NTT_LOG, ColumnMatrix, GpuBuffer},
    field::{as_words, from_words, F},
    kernels::{batch_ntt_small, ntt},
    GpuContext, GpuError, LimitProfile,
};
use p3_dft::{Radix2Bowers, Radix2DitParallel, TwoAdicSubgroupDft};
use p3_field::PrimeCharacteristicRing;
use p3_matrix::{dense::RowMajorMatrix, Matrix};

/// Per block, Plonky3's Bowers DFT (the one upstream's CPU prover uses for these blocks).
fn cpu_batch_ntt_small(values: &[F], log_n: u32, inverse: bool) -> Vec<F> {
    let n = 1usize << log_n;
    values.chunks(n).flat_map(|block| if inverse { Radix2Bowers.idft(block.to_vec()) } else { Radix2Bowers.dft(block.to_vec()) }).collect()
}

fn gpu_batch_ntt_small(ctx: &GpuContext, values: &[F], log_n: u32, blocks: usize, inverse: bool) -> Vec<F> {
    let buf = GpuBuffer::from_slice(ctx, "test", as_words(values)).unwrap();
    batch_ntt_small::batch_ntt_small(ctx, &buf, log_n, blocks, inverse).unwrap();
    from_words(buf.read(ctx).unwrap()).unwrap()
}

/// The smallest block count whose grid needs more than one dimension on this device, if the
/// data fits in one binding.
fn count_beyond_one_dimension(ctx: &GpuContext, log_n: u32) -> Option<usize> {
    let g = batch_ntt_small::geometry(&ctx.limits, log_n).unwrap();
    let blocks = (ctx.limits.max_workgroups_per_dimension as usize + 1) * g.blocks_per_workgroup as usize;
    ((blocks << log_n) as u64 * 4 <= ctx.limits.max_binding_bytes()).then_some(blocks)
}

#[test]
fn batch_ntt_small_matches_plonky3_for_every_size_and_count() {
    let mut folded = Vec::new();
    for (profile, ctx) in common::profiles() {
        for log_n in 0..=MAX_SMALL_NTT_LOG {
            let mut counts = vec![0usize, 1, 3, 1000];
            if let Some(c) = count_beyond_one_dimension(&ctx, log_n) {
                if c << log_n <= 1 << 24 {
                    counts.push(c);
                    folded.push((profile, log_n));
                }
            }
            for &blocks in &counts {
                let mut rng = common::rng((log_n as u64) << 32 | blocks as u64);
                // A guard block past the end must stay untouched.
                let n = 1usize << log_n;
                let values = common::random_field(&mut rng, (blocks + 1) * n);
                for inverse in [false, true] {
                    let got = gpu_batch_ntt_small(&ctx, &values, log_n, blocks, inverse);
                    let mut want = cpu_batch_ntt_small(&values[..blocks * n], log_n, inverse);
                    want.extend_from_slice(&values[blocks * n..]);
                    assert_eq!(got, want, "l={log_n} blocks={blocks} inverse={inverse} profile={profile}");
                }
            }
        }
    }
    // The tiny profile's 64-workgroup dimension always forces a folded grid.
    assert!(folded.iter().any(|(p, _)| *p == LimitProfile::Tiny), "{folded:?}");
}

#[test]
fn batch_ntt_small_inverse_undoes_forward() {
    for (profile, ctx) in common::profiles() {
        for log_n in 1..=MAX_SMALL_NTT_LOG {
            let blocks = 257;
            let values = common::random_field(&mut common::rng(99 + log_n as u64), blocks << log_n);
            let buf = GpuBuffer::from_slice(&ctx, "test", as_words(&values)).unwrap();
            batch_ntt_small::batch_ntt_small(&ctx, &buf, log_n, blocks, false).unwrap();
            batch_ntt_small::batch_ntt_small(&ctx, &buf, log_n, blocks, true).unwrap();
            assert_eq!(from_words(buf.read(&ctx).unwrap()).unwrap(), values, "l={log_n} profile={profile}");
        }
    }
}

#[test]
fn batch_ntt_small_rejects_bad_arguments() {
    let ctx = common::ctx(LimitProfile::Native);
    let buf = GpuBuffer::<u32>::zeroed(&ctx, "test", 1024).unwrap();
    assert!(matches!(batch_ntt_small::batch_ntt_small(&ctx, &buf, 11, 1, false), Err(GpuError::InvalidArgument { .. })));
    assert!(matches!(batch_ntt_small::batch_ntt_small(&ctx, &buf, 5, 33, false), Err(GpuError::InvalidArgument { .. })));
}

fn col_major_to_row_major(values: &[F], height: usize, width: usize) -> RowMajorMatrix<F> {
    let mut rm = vec![F::ZERO; values.len()];
    for c in 0..width {
        for r in 0..height {
            rm[r * width + c] = values[c * height + r];
        }
    }
    RowMajorMatrix::new(rm, width)
}

fn row_major_to_col_major(m: &RowMajorMatrix<F>) -> Vec<F> {
    let (h, w) = (m.height(), m.width());
    let mut out = vec![F::ZERO; h * w];
    for r in 0..h {
        for c in 0..w {
            out[c * h + r] = m.values[r * w + c];
        }
    }
    out
}

fn upload(ctx: &GpuContext, values: &[F], height: usize, width: usize) -> ColumnMatrix {
    ColumnMatrix::from_col_major(ctx, "test", height, width, as_words(values)).unwrap()
}

#[test]
fn large_ntt_and_lde_match_plonky3() {
    for (profile, ctx) in common::profiles() {
        for &(log_h, width) in &[(0u32, 3usize), (1, 2), (3, 5), (9, 7), (11, 3), (13, 2), (14, 4), (17, 3), (20, 1)] {
            let height = 1usize << log_h;
            let values = common::random_field(&mut common::rng(log_h as u64 * 31 + width as u64), height * width);
            let m = upload(&ctx, &values, height, width);
            let rm = col_major_to_row_major(&values, height, width);
            let dft = Radix2DitParallel::<F>::default();

            let fwd = from_words(ntt::ntt_columns(&ctx, &m, false).unwrap().read_col_major(&ctx).unwrap()).unwrap();
            assert_eq!(fwd, row_major_to_col_major(&dft.dft_batch(rm.clone()).to_row_major_matrix()), "dft 2^{log_h} x {width} {profile}");
            let inv = from_words(ntt::ntt_columns(&ctx, &m, true).unwrap().read_col_major(&ctx).unwrap()).unwrap();
            assert_eq!(inv, row_major_to_col_major(&dft.idft_batch(rm.clone())), "idft 2^{log_h} x {width} {profile}");

            if log_h <= 17 {
                for added_bits in [1u32, 2] {
                    let shift = F::from_u32(31);
                    let lde = ntt::coset_lde_columns(&ctx, &m, added_bits, shift).unwrap();
                    let got = from_words(lde.read_col_major(&ctx).unwrap()).unwrap();
                    let want = dft.coset_lde_batch(rm.clone(), added_bits as usize, shift).to_row_major_matrix();
                    assert_eq!(got, row_major_to_col_major(&want), "lde 2^{log_h} x {width} +{added_bits} {profile}");
                }
            }
        }
    }
}

#[test]
fn large_ntt_splits_matrices_past_one_binding() {
    // Under the tiny profile a binding holds 16 MiB: 2^20-high columns go 4 to a buffer.
    let ctx = common::ctx(LimitProfile::Tiny);
    let (height, width) = (1usize << 20, 9usize);
    let values = common::random_field(&mut common::rng(5), height * width);
    let m = upload(&ctx, &values, height, width);
    assert!(m.chunks.len() >= 3, "expected a split matrix, got {} chunk(s)", m.chunks.len());
    let got = from_words(ntt::ntt_columns(&ctx, &m, false).unwrap().read_col_major(&ctx).unwrap()).unwrap();
    let want = Radix2DitParallel::<F>::default().dft_batch(col_major_to_row_major(&values, height, width)).to_row_major_matrix();
    assert_eq!(got, row_major_to_col_major(&want));
}

#[test]
fn large_ntt_of_height_2_pow_24() {
    let ctx = common::ctx(LimitProfile::Native);
    let height = 1usize << 24;
    let values = common::random_field(&mut common::rng(24), height);
    let m = upload(&ctx, &values, height, 1);
    let got = from_words(ntt::ntt_columns(&ctx, &m, false).unwrap().read_col_major(&ctx).unwrap()).unwrap();
    let want = Radix2DitParallel::<F>::default().dft_batch(RowMajorMatrix::new(values, 1));
    assert!(got == want.to_row_major_matrix().values, "2^24 NTT differs from Plonky3");
    // A column that one binding cannot hold is refused with the sizes, before any GPU work.
    let tiny = common::ctx(LimitProfile::Tiny);
    match ColumnMatrix::zeroed(&tiny, "big column", height, 1) {
        Err(GpuError::BufferTooLarge { needed, available, .. }) => assert!(needed > available),
        other => panic!("expected BufferTooLarge, got {:?}", other.map(|m| m.height)),
    }
}

#[test]
fn rs_code_matrix_matches_upstream() {
    for (profile, ctx) in common::profiles() {
        for &(l_skip, log_h, width, log_blowup) in
            &[(0u32, 3u32, 2usize, 1u32), (2, 2, 3, 1), (2, 10, 5, 1), (4, 12, 3, 2), (3, 16, 2, 1), (10, 12, 2, 1), (1, 5, 1, 3)]
        {
            let height = 1usize << log_h;
            let values = common::random_field(&mut common::rng(l_skip as u64 * 1000 + log_h as u64), height * width);
            let want = cpu_rs_code_matrix(l_skip as usize, log_blowup as usize, &ColMajorMatrix::new(values.clone(), width)).unwrap();
            let m = upload(&ctx, &values, height, width);
            let got = rs_code_matrix(&ctx, l_skip, log_blowup, &m).unwrap();
            assert_eq!(
                from_words(got.read_col_major(&ctx).unwrap()).unwrap(),
                want.values,
                "l_skip={l_skip} 2^{log_h}x{width} blowup={log_blowup} {profile}"
            );
            // The stacked matrix itself is left as it was.
            assert_eq!(from_words(m.read_col_major(&ctx).unwrap()).unwrap(), values);
        }
    }
}

#[test]
fn reused_output_buffers_are_fully_overwritten() {
    // Outputs come from a per-device pool without wgpu's zero-fill: a second transform into a
    // recycled buffer must not see the first one's data.
    let ctx = common::ctx(LimitProfile::Native);
    let (height, width) = (1usize << 12, 3usize);
    let dft = Radix2DitParallel::<F>::default();
    for seed in 0..3u64 {
        let values = common::random_field(&mut common::rng(1000 + seed), height * width);
        let m = upload(&ctx, &values, height, width);
        let lde = ntt::coset_lde_columns(&ctx, &m, 1, F::from_u32(7)).unwrap();
        let want = dft.coset_lde_batch(col_major_to_row_major(&values, height, width), 1, F::from_u32(7)).to_row_major_matrix();
        assert_eq!(from_words(lde.read_col_major(&ctx).unwrap()).unwrap(), row_major_to_col_major(&want), "round {seed}");
    }
}
