//! WHIR opening on the GPU (upstream's `prover::whir::prove_whir_opening`, span
//! `prover.openings.whir`).
//!
//! The polynomials stay on the device as extension vectors in *column form*: the four base
//! components of 2^n elements are four consecutive columns of 2^n words ([`ExtVec`]), so the
//! base-field kernels (small and large NTT, multilinear transforms, Merkle row hashing) apply to
//! them unchanged. Per sumcheck round only s(1), s(2) are read back; per WHIR round the codeword
//! root, the out-of-domain value and the opened rows and paths; at the end the final polynomial.
//!
//! Formulations differ from upstream where that suits the GPU, with identical values (the field
//! arithmetic is exact):
//! - μ-batching first, then the transforms: upstream transforms every column
//!   (`eval_to_coeff_rs_message`, then `Mle::coeffs_to_evals_inplace`) and batches; all of it is
//!   base-field linear, so we batch the raw columns and transform the one extension vector. The
//!   two subset-zeta transforms over the low l_skip bits compose to `a1 += 2 a0` per level.
//! - Out-of-domain value: `Σ_x g(x) eq(x, z0^(2^i))` over the folded evaluations, equal to
//!   upstream's evaluation of the coefficient form.
//! - eq tables are products of a low-bits and a high-bits factor table, and the w update adds
//!   γ eq(x, z0) and every query's term in one pass.

use openvm_stark_backend::{
    proof::{MerkleProof, WhirProof},
    FiatShamirTranscript, WhirConfig,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2Config;
use openvm_wgpu_common::{kernel::require, ColumnMatrix, GpuBuffer, GpuContext, GpuEncoder, GpuError, GpuResult, SplitVec};
use p3_field::{BasedVectorSpace, Field, PrimeCharacteristicRing, TwoAdicField};
use tracing::info_span;

use crate::{
    commit::merkle_tree::{Digest, MerkleTree},
    commit::stacked_pcs::StackedPcsData,
    error::WgpuProverError,
    field::{as_ext4s, from_ext4s, Ext4, ExtBuffer, EF, F},
    kernels::{
        batch_ntt_small,
        eq_product::{self, ProductTerm},
        mle_butterfly, ntt, whir_fold, whir_mu_batch,
        whir_reduce::{self, Reduction},
    },
    openings::grinding::grind,
};

type SC = BabyBearPoseidon2Config;

/// An extension vector on the device, split into chunks of a power-of-two number of elements
/// (as many as one binding holds, so one chunk unless the vector is larger), each chunk in
/// column form: component c of the chunk's element i is word `c * n + i`, n the chunk's
/// length. Folds, reductions and transforms keep the chunking of their input.
pub struct ExtVec {
    pub data: SplitVec,
}

impl ExtVec {
    /// Elements per chunk: what one binding holds, capped by `cap` (tests force splits).
    fn elements_per_chunk(ctx: &GpuContext, op: &str, cap: Option<usize>) -> GpuResult<usize> {
        SplitVec::max_items_per_chunk(ctx, op, 4, cap)
    }

    pub fn uninit(ctx: &GpuContext, op: &str, len: usize) -> GpuResult<Self> {
        Ok(Self { data: SplitVec::uninit(ctx, op, len, 4, Self::elements_per_chunk(ctx, op, None)?)? })
    }

    pub fn zeroed(ctx: &GpuContext, op: &str, len: usize) -> GpuResult<Self> {
        Ok(Self { data: SplitVec::zeroed(ctx, op, len, 4, Self::elements_per_chunk(ctx, op, None)?)? })
    }

    /// A vector of `len` elements in chunks no larger than `like`'s.
    fn uninit_like(ctx: &GpuContext, op: &str, len: usize, like: &ExtVec) -> GpuResult<Self> {
        Ok(Self { data: SplitVec::uninit(ctx, op, len, 4, like.data.items_per_chunk)? })
    }

    pub fn upload(ctx: &GpuContext, values: &[EF]) -> GpuResult<Self> {
        Self::upload_split(ctx, values, None)
    }

    /// [`ExtVec::upload`] in chunks of at most `elements_per_chunk` elements (rounded down to a
    /// power of two) where given.
    pub fn upload_split(ctx: &GpuContext, values: &[EF], elements_per_chunk: Option<usize>) -> GpuResult<Self> {
        const OP: &str = "ExtVec upload";
        let per_chunk = Self::elements_per_chunk(ctx, OP, elements_per_chunk)?;
        let data = SplitVec::uninit(ctx, OP, values.len(), 4, per_chunk)?;
        for (j, chunk) in data.chunks.iter().enumerate() {
            let first = data.chunk_first_item(j);
            let n = data.chunk_items(j);
            let mut cols = vec![0u32; 4 * n];
            for (i, e) in as_ext4s(&values[first..first + n]).iter().enumerate() {
                for c in 0..4 {
                    cols[c * n + i] = e.0[c];
                }
            }
            chunk.write(ctx, 0, &cols)?;
        }
        Ok(Self { data })
    }

    /// The whole vector on the host: for final polynomials and tests only.
    pub fn download(&self, ctx: &GpuContext) -> GpuResult<Vec<EF>> {
        let mut elements = vec![Ext4::ZERO; self.len()];
        for (j, chunk) in self.data.chunks.iter().enumerate() {
            let (first, n) = (self.data.chunk_first_item(j), self.data.chunk_items(j));
            let cols = chunk.read_range(ctx, 0..4 * n)?;
            for (i, e) in elements[first..first + n].iter_mut().enumerate() {
                for c in 0..4 {
                    e.0[c] = cols[c * n + i];
                }
            }
        }
        from_ext4s(elements)
    }

    pub fn len(&self) -> usize {
        self.data.len
    }

    pub fn is_empty(&self) -> bool {
        self.data.len == 0
    }

    fn log_len(&self) -> u32 {
        self.len().trailing_zeros()
    }
}

fn one_submission<T>(ctx: &GpuContext, op: &str, f: impl FnOnce(&mut openvm_wgpu_common::GpuEncoder) -> GpuResult<T>) -> GpuResult<T> {
    let mut enc = ctx.encoder(op);
    let out = f(&mut enc)?;
    ctx.submit_and_wait(op, enc)?;
    Ok(out)
}

/// Σ_j μ^j · mle_j for the columns j of `matrices` (in order), where mle_j is the hypercube
/// evaluation vector of column j's eval-to-coeff RS message (upstream: `eval_to_coeff_rs_message`
/// then `Mle::coeffs_to_evals_inplace`). Every matrix has the same height 2^m >= 2^l_skip.
pub fn mu_batch(ctx: &GpuContext, l_skip: usize, matrices: &[&ColumnMatrix], mu_powers: &[EF]) -> GpuResult<ExtVec> {
    mu_batch_split(ctx, l_skip, matrices, mu_powers, None)
}

/// [`mu_batch`] into a vector of chunks of at most `elements_per_chunk` elements (rounded down
/// to a power of two, at least 2^l_skip) where given.
pub fn mu_batch_split(
    ctx: &GpuContext,
    l_skip: usize,
    matrices: &[&ColumnMatrix],
    mu_powers: &[EF],
    elements_per_chunk: Option<usize>,
) -> GpuResult<ExtVec> {
    const OP: &str = "whir_mu_batch";
    let height = matrices.first().map_or(0, |m| m.height);
    let width: usize = matrices.iter().map(|m| m.width).sum();
    require(OP, height.is_power_of_two() && height >= 1 << l_skip && matrices.iter().all(|m| m.height == height), || {
        format!(
            "matrices of heights {:?} must share one power-of-two height of at least 2^{l_skip}",
            matrices.iter().map(|m| m.height).collect::<Vec<_>>()
        )
    })?;
    require(OP, mu_powers.len() == width, || format!("{} powers of μ for {width} columns", mu_powers.len()))?;
    let m = height.trailing_zeros();
    // From the pool, cleared on the GPU in the submission below: a fresh zeroed allocation of
    // this size costs the host milliseconds.
    let out = ExtVec { data: SplitVec::uninit(ctx, OP, height, 4, ExtVec::elements_per_chunk(ctx, OP, elements_per_chunk)?)? };
    // The skip-domain transforms work on blocks of 2^l_skip inside each chunk's columns.
    require(OP, out.data.items_per_chunk >= 1 << l_skip, || {
        format!("chunks of {} elements are shorter than 2^l_skip = {}", out.data.items_per_chunk, 1u64 << l_skip)
    })?;
    let mu = ExtBuffer::from_slice(ctx, OP, if width == 0 { &[Ext4::ZERO] } else { as_ext4s(mu_powers) })?;
    one_submission(ctx, OP, |enc| {
        for chunk in &out.data.chunks {
            enc.clear_buffer(&chunk.buffer, 0, None);
        }
        let mut offset = 0;
        for matrix in matrices {
            for (i, chunk) in matrix.chunks.iter().enumerate() {
                let columns = matrix.chunk_columns(i);
                whir_mu_batch::record(ctx, enc, chunk, height, columns, &mu, offset, &out.data)?;
                offset += columns;
            }
        }
        // eval_to_coeff_rs_message: the inverse DFT of every 2^l_skip chunk, then the subset-zeta
        // transform over the chunk's bits; Mle::coeffs_to_evals_inplace: zeta over all m bits.
        for (j, chunk) in out.data.chunks.iter().enumerate() {
            batch_ntt_small::record(ctx, enc, chunk, l_skip as u32, (4 * out.data.chunk_items(j)) >> l_skip, true)?;
        }
        mle_butterfly::record_ext_levels(ctx, enc, &out.data, 0..l_skip as u32, F::TWO)?;
        mle_butterfly::record_ext_levels(ctx, enc, &out.data, l_skip as u32..m, F::ONE)
    })?;
    Ok(out)
}

/// upstream's `evals_mobius_eq_hypercube(u)` on the device.
pub fn mobius_eq_table(ctx: &GpuContext, u: &[EF]) -> GpuResult<ExtVec> {
    let out = ExtVec::uninit(ctx, "mobius_eq_table", 1 << u.len())?;
    let term = ProductTerm { scale: EF::ONE, pairs: u.iter().map(|&x| (x, EF::ONE - x.double())).collect() };
    let _scratch = one_submission(ctx, "mobius_eq_table", |enc| eq_product::record(ctx, enc, &[term], u.len(), &out.data, false))?;
    Ok(out)
}

/// `scale * eq(x, point)` as a product term.
pub fn eq_term(scale: EF, point: &[EF]) -> ProductTerm {
    ProductTerm { scale, pairs: point.iter().map(|&z| (z, EF::ONE - z)).collect() }
}

/// `w[x] += Σ_t term_t(x)` over the hypercube of `w`, in one pass.
pub fn add_terms(ctx: &GpuContext, w: &ExtVec, terms: &[ProductTerm]) -> GpuResult<()> {
    let _scratch = one_submission(ctx, "eq_accumulate", |enc| eq_product::record(ctx, enc, terms, w.log_len() as usize, &w.data, true))?;
    Ok(())
}

/// Records a reduction with `record`, submits it and reads back the pair of extension elements
/// its last pass wrote, in one submission.
fn reduce_pair(
    ctx: &GpuContext,
    op: &str,
    record: impl FnOnce(&mut openvm_wgpu_common::GpuEncoder) -> GpuResult<Vec<ExtBuffer>>,
) -> GpuResult<[EF; 2]> {
    let mut enc = ctx.encoder(op);
    let partials = record(&mut enc)?;
    let last = partials.last().ok_or_else(|| GpuError::invalid(whir_reduce::NAME, "no reduction pass was recorded"))?;
    let v = from_ext4s(last.submit_and_read(ctx, op, enc, 0..2)?)?;
    Ok([v[0], v[1]])
}

/// The sumcheck round polynomial's evaluations (s(1), s(2)) of Σ_y f(y, X) w(y, X) (X the
/// lowest variable), as upstream computes them.
pub fn sumcheck_round(ctx: &GpuContext, f: &ExtVec, w: &ExtVec) -> GpuResult<[EF; 2]> {
    require(whir_reduce::NAME, f.len() == w.len() && f.len() >= 2, || format!("sumcheck over {} and {} elements", f.len(), w.len()))?;
    reduce_pair(ctx, "whir_sumcheck", |enc| whir_reduce::record(ctx, enc, Reduction::SumcheckRound, &f.data, &w.data))
}

/// One sumcheck round in one submission (ARCHITECTURE.md rule 9): the previous round's folds
/// of `f` and `w` at `alpha` (if any), then this round's (s(1), s(2)), the only read-back.
pub fn fold_and_sumcheck_round(ctx: &GpuContext, f: ExtVec, w: ExtVec, alpha: Option<EF>) -> GpuResult<(ExtVec, ExtVec, [EF; 2])> {
    const OP: &str = "whir_sumcheck";
    let Some(alpha) = alpha else {
        let s = sumcheck_round(ctx, &f, &w)?;
        return Ok((f, w, s));
    };
    require(OP, f.len() == w.len() && f.len() >= 4, || format!("fold and sumcheck over {} and {} elements", f.len(), w.len()))?;
    let half = f.len() / 2;
    let (nf, nw) = (ExtVec::uninit_like(ctx, OP, half, &f)?, ExtVec::uninit_like(ctx, OP, half, &w)?);
    let s = reduce_pair(ctx, OP, |enc| {
        whir_fold::record(ctx, enc, &f.data, &nf.data, alpha)?;
        whir_fold::record(ctx, enc, &w.data, &nw.data, alpha)?;
        whir_reduce::record(ctx, enc, Reduction::SumcheckRound, &nf.data, &nw.data)
    })?;
    Ok((nf, nw, s))
}

/// Σ_x a(x) b(x).
pub fn inner_product(ctx: &GpuContext, a: &ExtVec, b: &ExtVec) -> GpuResult<EF> {
    require(whir_reduce::NAME, a.len() == b.len(), || format!("inner product of {} and {} elements", a.len(), b.len()))?;
    Ok(reduce_pair(ctx, "inner_product", |enc| whir_reduce::record(ctx, enc, Reduction::InnerProduct, &a.data, &b.data))?[0])
}

/// The fold of `v` in its lowest variable at `alpha`.
pub fn fold(ctx: &GpuContext, v: &ExtVec, alpha: EF) -> GpuResult<ExtVec> {
    one_submission(ctx, whir_fold::NAME, |enc| record_fold(ctx, enc, v, alpha))
}

/// Records [`fold`] into `enc`; `v` must outlive the submission.
fn record_fold(ctx: &GpuContext, enc: &mut GpuEncoder, v: &ExtVec, alpha: EF) -> GpuResult<ExtVec> {
    let out = ExtVec::uninit_like(ctx, whir_fold::NAME, v.len() / 2, v)?;
    whir_fold::record(ctx, enc, &v.data, &out.data, alpha)?;
    Ok(out)
}

fn transformed(ctx: &GpuContext, v: &ExtVec, coef: F) -> GpuResult<ExtVec> {
    one_submission(ctx, mle_butterfly::NAME, |enc| record_transformed(ctx, enc, v, coef))
}

/// Records the coefficient/evaluation transform of `v` into a new vector; `v` must outlive the
/// submission.
fn record_transformed(ctx: &GpuContext, enc: &mut GpuEncoder, v: &ExtVec, coef: F) -> GpuResult<ExtVec> {
    require(mle_butterfly::NAME, v.len().is_power_of_two(), || format!("length {} is not a power of two", v.len()))?;
    let out = ExtVec::uninit_like(ctx, mle_butterfly::NAME, v.len(), v)?;
    // Same length, same chunking: copy chunk by chunk.
    ctx.scoped(mle_butterfly::NAME, || {
        for (j, (src, dst)) in v.data.chunks.iter().zip(&out.data.chunks).enumerate() {
            src.record_copy(enc, 0, dst, 0, v.data.item_words * v.data.chunk_items(j));
        }
    })?;
    mle_butterfly::record_ext_levels(ctx, enc, &out.data, 0..v.log_len(), coef)?;
    Ok(out)
}

/// Multilinear coefficients from hypercube evaluations (upstream's `Mle::from_evaluations`).
pub fn evals_to_coeffs(ctx: &GpuContext, evals: &ExtVec) -> GpuResult<ExtVec> {
    transformed(ctx, evals, F::NEG_ONE)
}

/// Hypercube evaluations from multilinear coefficients (`Mle::coeffs_to_evals_inplace`).
pub fn coeffs_to_evals(ctx: &GpuContext, coeffs: &ExtVec) -> GpuResult<ExtVec> {
    transformed(ctx, coeffs, F::ONE)
}

/// The multilinear extension of `evals` at `point`: Σ_x evals(x) eq(x, point).
pub fn mle_eval(ctx: &GpuContext, evals: &ExtVec, point: &[EF]) -> GpuResult<EF> {
    require("mle_eval", evals.len() == 1 << point.len(), || {
        format!("{} evaluations at a point of {} coordinates", evals.len(), point.len())
    })?;
    let eq = ExtVec::uninit_like(ctx, "mle_eval", evals.len(), evals)?;
    let _scratch =
        one_submission(ctx, "mle_eval", |enc| eq_product::record(ctx, enc, &[eq_term(EF::ONE, point)], point.len(), &eq.data, false))?;
    inner_product(ctx, evals, &eq)
}

/// The Reed–Solomon codeword of `coeffs` (zero-padded) on the subgroup of 2^log_height points,
/// as a 4-column base matrix (the extension elements' components).
pub fn rs_codeword(ctx: &GpuContext, coeffs: ExtVec, log_height: usize) -> GpuResult<ColumnMatrix> {
    one_submission(ctx, "whir_codeword", |enc| Ok(record_rs_codeword(ctx, enc, coeffs, log_height)?.0))
}

/// Records [`rs_codeword`]; the buffers returned with the codeword hold `coeffs` and must
/// outlive the submission.
fn record_rs_codeword(
    ctx: &GpuContext,
    enc: &mut GpuEncoder,
    coeffs: ExtVec,
    log_height: usize,
) -> GpuResult<(ColumnMatrix, Vec<GpuBuffer<u32>>)> {
    const OP: &str = "whir_codeword";
    let len = coeffs.len();
    require(OP, log_height <= 27 && len <= 1 << log_height, || format!("{len} coefficients on 2^{log_height} points (at most 2^27)"))?;
    // The NTT reads whole columns: one chunk is already the four component columns; a split
    // vector's chunks are first copied into columns.
    let mut keep = Vec::new();
    let src = if coeffs.data.chunks.len() == 1 {
        ColumnMatrix { height: len, width: 4, columns_per_chunk: 4, chunks: coeffs.data.chunks }
    } else {
        let columns = ColumnMatrix::uninit(ctx, OP, len, 4)?;
        ctx.scoped(OP, || {
            for (j, chunk) in coeffs.data.chunks.iter().enumerate() {
                let (first, n) = (coeffs.data.chunk_first_item(j), coeffs.data.chunk_items(j));
                for c in 0..4 {
                    let target = &columns.chunks[c / columns.columns_per_chunk];
                    let at = (c % columns.columns_per_chunk) * len + first;
                    chunk.record_copy(enc, c * n, target, at, n);
                }
            }
        })?;
        keep = coeffs.data.chunks;
        columns
    };
    let dst = ColumnMatrix::uninit(ctx, OP, 1 << log_height, 4)?;
    ntt::record_bitrev_gather(ctx, enc, &src, &dst, F::ONE, None)?;
    ntt::record_dit_passes(ctx, enc, &dst, false)?;
    keep.extend(src.chunks);
    Ok((dst, keep))
}

fn exp_powers_of_2<T: Field>(x: T, count: usize) -> Vec<T> {
    std::iter::successors(Some(x), |p| Some(p.square())).take(count).collect()
}

fn invalid(msg: String) -> WgpuProverError {
    WgpuProverError::InvalidInput(format!("prove_whir_opening: {msg}"))
}

/// WHIR for the μ-batch of every column of `committed` at `u`, bit for bit what upstream's
/// `prove_whir_opening` produces with the same transcript interaction.
pub fn prove_whir_opening<TS: FiatShamirTranscript<SC> + 'static>(
    ctx: &GpuContext,
    transcript: &mut TS,
    l_skip: usize,
    log_blowup: usize,
    whir: &WhirConfig,
    committed: &[&StackedPcsData],
    u: &[EF],
) -> Result<WhirProof<SC>, WgpuProverError> {
    let _span = info_span!("prover.openings.whir").entered();
    let k = whir.k;
    let num_rounds = whir.num_whir_rounds();
    let height = committed.first().map(|d| d.matrix.height).ok_or_else(|| invalid("no committed matrices".into()))?;
    if !height.is_power_of_two() || committed.iter().any(|d| d.matrix.height != height) {
        return Err(invalid("the committed matrices must share one power-of-two height".into()));
    }
    let mut m = height.trailing_zeros() as usize;
    if u.len() != m {
        return Err(invalid(format!("u has {} coordinates, the matrices 2^{m} rows", u.len())));
    }
    if num_rounds == 0 || k == 0 || k * num_rounds > m || log_blowup == 0 {
        return Err(invalid(format!("{num_rounds} rounds of k = {k} (log_blowup {log_blowup}) do not fit 2^{m} rows")));
    }
    let mut log_rs = m + log_blowup;
    for (i, d) in committed.iter().enumerate() {
        let (h, rpq) = (d.tree.matrix.height, d.tree.rows_per_query);
        if h != 1 << log_rs || rpq != 1 << k {
            return Err(invalid(format!(
                "commitment {i}: tree of {h} rows, {rpq} per query; expected {} and {}",
                1u64 << log_rs,
                1u64 << k
            )));
        }
    }

    let mu_pow_witness = grind(ctx, transcript, whir.mu_pow_bits)?;
    let mu: EF = transcript.sample_ext();
    let total_width: usize = committed.iter().map(|d| d.matrix.width).sum();
    let mu_powers: Vec<EF> = mu.powers().take(total_width).collect();
    let matrices: Vec<&ColumnMatrix> = committed.iter().map(|d| &d.matrix).collect();
    let (mut f, mut w) = info_span!("whir_mu_batch")
        .in_scope(|| Ok::<_, GpuError>((mu_batch(ctx, l_skip, &matrices, &mu_powers)?, mobius_eq_table(ctx, u)?)))?;

    let mut whir_sumcheck_polys = Vec::with_capacity(num_rounds * k);
    let mut codeword_commits = vec![];
    let mut ood_values = vec![];
    let mut initial_round_opened_rows: Vec<Vec<Vec<Vec<F>>>> = vec![vec![]; committed.len()];
    let mut initial_round_merkle_proofs: Vec<Vec<MerkleProof<Digest>>> = vec![vec![]; committed.len()];
    let mut codeword_opened_values: Vec<Vec<Vec<EF>>> = Vec::with_capacity(num_rounds - 1);
    let mut codeword_merkle_proofs: Vec<Vec<MerkleProof<Digest>>> = Vec::with_capacity(num_rounds - 1);
    let mut folding_pow_witnesses = Vec::with_capacity(num_rounds * k);
    let mut query_phase_pow_witnesses = Vec::with_capacity(num_rounds);
    let mut rs_tree: Option<MerkleTree> = None;
    let mut final_poly = None;

    for (whir_round, round_params) in whir.rounds.iter().enumerate() {
        let is_last = whir_round == num_rounds - 1;
        // Each round's fold is recorded with the next round's reduction; the last one alone.
        let mut alpha = None;
        for _ in 0..k {
            let (nf, nw, s) = info_span!("whir_sumcheck_round").in_scope(|| fold_and_sumcheck_round(ctx, f, w, alpha))?;
            (f, w) = (nf, nw);
            for &e in &s {
                transcript.observe_ext(e);
            }
            whir_sumcheck_polys.push(s);
            folding_pow_witnesses.push(grind(ctx, transcript, whir.folding_pow_bits)?);
            alpha = Some(transcript.sample_ext());
        }
        // The last fold, the coefficients of g and (but in the last round) its codeword, Merkle
        // tree and root: one submission. Inputs of the recorded commands stay alive in `keep`
        // until it completes.
        let mut enc = ctx.encoder("whir_round");
        let mut keep: Vec<ExtVec> = Vec::new();
        if let Some(alpha) = alpha {
            let (nf, nw) = (record_fold(ctx, &mut enc, &f, alpha)?, record_fold(ctx, &mut enc, &w, alpha)?);
            keep.push(std::mem::replace(&mut f, nf));
            keep.push(std::mem::replace(&mut w, nw));
        }
        let coeffs = record_transformed(ctx, &mut enc, &f, F::NEG_ONE)?;
        let (g_tree, z0) = if !is_last {
            let (tree, root) = info_span!("whir_codeword_commit").in_scope(|| {
                let (codeword, source) = record_rs_codeword(ctx, &mut enc, coeffs, log_rs - 1)?;
                let mut scratch = Vec::new();
                let tree = MerkleTree::record(ctx, &mut enc, codeword, 1 << k, &mut scratch)?;
                let root = tree.root_after(ctx, std::mem::replace(&mut enc, ctx.encoder("whir_round")))?;
                drop((scratch, source));
                Ok::<_, GpuError>((tree, root))
            })?;
            drop(keep);
            transcript.observe_commit(root);
            codeword_commits.push(root);
            let z0: EF = transcript.sample_ext();
            let ood = info_span!("whir_ood").in_scope(|| mle_eval(ctx, &f, &exp_powers_of_2(z0, m - k)))?;
            transcript.observe_ext(ood);
            ood_values.push(ood);
            (Some(tree), Some(z0))
        } else {
            ctx.submit_and_wait("whir_round", enc)?;
            drop(keep);
            let coeffs = coeffs.download(ctx)?;
            for &c in &coeffs {
                transcript.observe_ext(c);
            }
            final_poly = Some(coeffs);
            (None, None)
        };

        let omega = F::two_adic_generator(log_rs - k);
        query_phase_pow_witnesses.push(grind(ctx, transcript, whir.query_phase_pow_bits)?);
        let indices: Vec<usize> = (0..round_params.num_queries).map(|_| transcript.sample_bits(log_rs - k) as usize).collect();
        let _queries = info_span!("whir_query_openings").entered();
        if whir_round == 0 {
            for (c, d) in committed.iter().enumerate() {
                (initial_round_opened_rows[c], initial_round_merkle_proofs[c]) = d.tree.open(ctx, &indices)?;
            }
        } else {
            let tree = rs_tree.as_ref().ok_or_else(|| invalid("no codeword tree from the previous round".into()))?;
            let (rows, paths) = tree.open(ctx, &indices)?;
            let values = rows.into_iter().map(|q| q.into_iter().map(|row| EF::from_basis_coefficients_fn(|i| row[i])).collect()).collect();
            codeword_opened_values.push(values);
            codeword_merkle_proofs.push(paths);
        }
        drop(_queries);
        rs_tree = g_tree;

        let gamma: EF = transcript.sample_ext();
        if let Some(z0) = z0 {
            let dim = m - k;
            let mut terms = vec![eq_term(gamma, &exp_powers_of_2(z0, dim))];
            for (&index, gamma_pow) in indices.iter().zip(gamma.powers().skip(2)) {
                let z = omega.exp_u64(index as u64);
                let point: Vec<EF> = exp_powers_of_2(z, dim).into_iter().map(EF::from).collect();
                terms.push(eq_term(gamma_pow, &point));
            }
            info_span!("whir_w_update").in_scope(|| add_terms(ctx, &w, &terms))?;
        }
        m -= k;
        log_rs -= 1;
    }

    Ok(WhirProof {
        mu_pow_witness,
        whir_sumcheck_polys,
        codeword_commits,
        ood_values,
        folding_pow_witnesses,
        query_phase_pow_witnesses,
        initial_round_opened_rows,
        initial_round_merkle_proofs,
        codeword_opened_values,
        codeword_merkle_proofs,
        final_poly: final_poly.ok_or_else(|| invalid("no final round".into()))?,
    })
}
