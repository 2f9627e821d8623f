//! WHIR on the GPU against upstream's `prove_whir_opening` (the same proof, the same transcript
//! state afterwards) and its kernels against upstream's CPU functions, under every limit
//! profile.

use crate::common;

use openvm_stark_backend::{
    prover::{
        poly::{eval_to_coeff_rs_message, evals_eq_hypercube, evals_mobius_eq_hypercube, Mle},
        stacked_pcs::stacked_commit as cpu_stacked_commit,
        whir::prove_whir_opening as cpu_prove_whir_opening,
        ColMajorMatrix, MatrixDimensions,
    },
    test_utils::test_system_params_small,
    FiatShamirTranscript, StarkProtocolConfig, WhirConfig, WhirProximityStrategy, WhirRoundConfig,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::{default_duplex_sponge, BabyBearPoseidon2Config};
use openvm_wgpu_backend::{
    commit::stacked_pcs::{stacked_commit, StackedPcsData},
    common::{ColumnMatrix, GpuBuffer},
    error::WgpuProverError,
    field::{as_words, EF, F},
    openings::whir::{
        add_terms, coeffs_to_evals, eq_term, evals_to_coeffs, fold, fold_and_sumcheck_round, inner_product, mle_eval, mobius_eq_table,
        mu_batch, mu_batch_split, prove_whir_opening, rs_codeword, sumcheck_round, ExtVec,
    },
    GpuContext, LimitProfile,
};
use p3_field::{BasedVectorSpace, Field, PrimeCharacteristicRing};
use rand::{rngs::StdRng, Rng};

type SC = BabyBearPoseidon2Config;

fn random_ext(rng: &mut StdRng, n: usize) -> Vec<EF> {
    (0..n).map(|_| EF::from_basis_coefficients_fn(|_| rng.random::<F>())).collect()
}

fn pows2<T: Field>(x: T, n: usize) -> Vec<T> {
    std::iter::successors(Some(x), |p| Some(p.square())).take(n).collect()
}

/// Sizes (log2) the kernel tests cover: one element, one pair, odd workgroup fills, and under
/// the tiny profile more workgroups than one grid dimension holds (2^17 pairs: 256 partials).
const LOGS: [usize; 6] = [0, 1, 2, 5, 11, 18];

#[test]
fn ext_vectors_round_trip_and_transforms_match_upstream() {
    let mut rng = common::rng(1);
    for (profile, ctx) in common::profiles() {
        for &log in &LOGS[..5] {
            let v = random_ext(&mut rng, 1 << log);
            let dev = ExtVec::upload(&ctx, &v).unwrap();
            assert_eq!(dev.download(&ctx).unwrap(), v);
            let want_coeffs = Mle::from_evaluations(&v).into_coeffs();
            let coeffs = evals_to_coeffs(&ctx, &dev).unwrap();
            assert_eq!(coeffs.download(&ctx).unwrap(), want_coeffs, "evals_to_coeffs 2^{log} under {profile}");
            let mut want_evals = v.clone();
            Mle::coeffs_to_evals_inplace(&mut want_evals);
            assert_eq!(coeffs_to_evals(&ctx, &dev).unwrap().download(&ctx).unwrap(), want_evals, "coeffs_to_evals 2^{log} under {profile}");
            // The input is left unchanged.
            assert_eq!(dev.download(&ctx).unwrap(), v);
        }
    }
}

#[test]
fn eq_tables_match_upstream() {
    let mut rng = common::rng(2);
    for (profile, ctx) in common::profiles() {
        for &log in &LOGS[..5] {
            let u = random_ext(&mut rng, log);
            let got = mobius_eq_table(&ctx, &u).unwrap().download(&ctx).unwrap();
            assert_eq!(got, evals_mobius_eq_hypercube(&u), "mobius eq 2^{log} under {profile}");

            // w += Σ scale_t eq(x, point_t), several terms in one pass, base and extension points.
            let start = random_ext(&mut rng, 1 << log);
            let w = ExtVec::upload(&ctx, &start).unwrap();
            let scales = random_ext(&mut rng, 5);
            let z0 = random_ext(&mut rng, 1)[0];
            let mut points = vec![pows2(z0, log)];
            for _ in 0..4 {
                let z: F = rng.random();
                points.push(pows2(z, log).into_iter().map(EF::from).collect());
            }
            let terms: Vec<_> = scales.iter().zip(&points).map(|(&s, p)| eq_term(s, p)).collect();
            add_terms(&ctx, &w, &terms).unwrap();
            let mut want = start.clone();
            for (s, p) in scales.iter().zip(&points) {
                for (x, e) in want.iter_mut().zip(evals_eq_hypercube(p)) {
                    *x += *s * e;
                }
            }
            assert_eq!(w.download(&ctx).unwrap(), want, "eq accumulate 2^{log} under {profile}");
            add_terms(&ctx, &w, &[]).unwrap();
            assert_eq!(w.download(&ctx).unwrap(), want, "no terms under {profile}");
        }
    }
}

#[test]
fn sumcheck_round_fold_and_inner_product_match_upstream() {
    let mut rng = common::rng(3);
    for (profile, ctx) in common::profiles() {
        for &log in &LOGS {
            let n = 1usize << log;
            let (f, w) = (random_ext(&mut rng, n), random_ext(&mut rng, n));
            let (df, dw) = (ExtVec::upload(&ctx, &f).unwrap(), ExtVec::upload(&ctx, &w).unwrap());
            let want_ip = f.iter().zip(&w).fold(EF::ZERO, |acc, (a, b)| acc + *a * *b);
            assert_eq!(inner_product(&ctx, &df, &dw).unwrap(), want_ip, "inner product 2^{log} under {profile}");
            if n < 2 {
                assert!(sumcheck_round(&ctx, &df, &dw).is_err());
                continue;
            }
            // upstream's round evaluations, as prove_whir_opening computes them
            let want: Vec<EF> = (1..=2)
                .map(|x| {
                    let x = F::from_usize(x);
                    (0..n / 2).fold(EF::ZERO, |acc, y| {
                        let fx = f[2 * y] + (f[2 * y + 1] - f[2 * y]) * x;
                        let wx = w[2 * y] + (w[2 * y + 1] - w[2 * y]) * x;
                        acc + fx * wx
                    })
                })
                .collect();
            assert_eq!(sumcheck_round(&ctx, &df, &dw).unwrap().to_vec(), want, "sumcheck 2^{log} under {profile}");
            let alpha = random_ext(&mut rng, 1)[0];
            let want_fold: Vec<EF> = (0..n / 2).map(|y| f[2 * y] + alpha * (f[2 * y + 1] - f[2 * y])).collect();
            let folded = fold(&ctx, &df, alpha).unwrap();
            assert_eq!(folded.download(&ctx).unwrap(), want_fold, "fold 2^{log} under {profile}");
            if n >= 4 {
                // The fused form (both folds and the next round in one submission) agrees.
                let folded_w = fold(&ctx, &dw, alpha).unwrap();
                let want_next = sumcheck_round(&ctx, &folded, &folded_w).unwrap();
                let (nf, nw, s) = fold_and_sumcheck_round(&ctx, df, dw, Some(alpha)).unwrap();
                assert_eq!(s, want_next, "fused round 2^{log} under {profile}");
                assert_eq!(nf.download(&ctx).unwrap(), want_fold);
                assert_eq!(nw.download(&ctx).unwrap(), folded_w.download(&ctx).unwrap());
            }
        }
    }
}

#[test]
fn ood_evaluation_matches_upstream() {
    let mut rng = common::rng(4);
    for (profile, ctx) in common::profiles() {
        for &log in &LOGS[..5] {
            let evals = random_ext(&mut rng, 1 << log);
            let z0 = random_ext(&mut rng, 1)[0];
            let point = pows2(z0, log);
            let want: EF = Mle::from_evaluations(&evals).eval_at_point(&point);
            let got = mle_eval(&ctx, &ExtVec::upload(&ctx, &evals).unwrap(), &point).unwrap();
            assert_eq!(got, want, "OOD 2^{log} under {profile}");
        }
    }
}

/// Extension vectors split into chunks of a few elements (so that transform levels, folds'
/// outputs and reductions cross chunks) give upstream's values: round trips, both transforms,
/// the fold, the sumcheck round, the fused round, inner products, eq accumulation, the OOD
/// evaluation, μ-batching, and the RS codeword (against the unsplit vector's).
#[test]
fn split_ext_vectors_match_upstream() {
    let mut rng = common::rng(8);
    for (profile, ctx) in common::profiles() {
        for &(log, per_chunk) in &[(1usize, 2usize), (2, 2), (3, 4), (5, 8), (7, 4), (11, 256)] {
            let what = format!("2^{log} in chunks of {per_chunk} under {profile}");
            let n = 1usize << log;
            let (f, w) = (random_ext(&mut rng, n), random_ext(&mut rng, n));
            let split = |v: &[EF]| ExtVec::upload_split(&ctx, v, Some(per_chunk)).unwrap();
            let (df, dw) = (split(&f), split(&w));
            assert_eq!(df.data.chunks.len(), n / per_chunk, "{what}");
            assert_eq!(df.download(&ctx).unwrap(), f, "{what}: round trip");
            assert_eq!(
                evals_to_coeffs(&ctx, &df).unwrap().download(&ctx).unwrap(),
                Mle::from_evaluations(&f).into_coeffs(),
                "{what}: Möbius"
            );
            let mut want_evals = f.clone();
            Mle::coeffs_to_evals_inplace(&mut want_evals);
            assert_eq!(coeffs_to_evals(&ctx, &df).unwrap().download(&ctx).unwrap(), want_evals, "{what}: zeta");
            let want_ip = f.iter().zip(&w).fold(EF::ZERO, |acc, (a, b)| acc + *a * *b);
            assert_eq!(inner_product(&ctx, &df, &dw).unwrap(), want_ip, "{what}: inner product");
            let want_round: Vec<EF> = (1..=2)
                .map(|x| {
                    let x = F::from_usize(x);
                    (0..n / 2).fold(EF::ZERO, |acc, y| {
                        acc + (f[2 * y] + (f[2 * y + 1] - f[2 * y]) * x) * (w[2 * y] + (w[2 * y + 1] - w[2 * y]) * x)
                    })
                })
                .collect();
            assert_eq!(sumcheck_round(&ctx, &df, &dw).unwrap().to_vec(), want_round, "{what}: sumcheck");
            let alpha = random_ext(&mut rng, 1)[0];
            let want_fold: Vec<EF> = (0..n / 2).map(|y| f[2 * y] + alpha * (f[2 * y + 1] - f[2 * y])).collect();
            let folded = fold(&ctx, &df, alpha).unwrap();
            assert_eq!(folded.download(&ctx).unwrap(), want_fold, "{what}: fold");
            if n >= 4 {
                let folded_w = fold(&ctx, &dw, alpha).unwrap();
                let want_next = sumcheck_round(&ctx, &folded, &folded_w).unwrap();
                let (_, _, s) = fold_and_sumcheck_round(&ctx, split(&f), split(&w), Some(alpha)).unwrap();
                assert_eq!(s, want_next, "{what}: fused round");
            }
            let z0 = random_ext(&mut rng, 1)[0];
            let point = pows2(z0, log);
            assert_eq!(mle_eval(&ctx, &df, &point).unwrap(), Mle::from_evaluations(&f).eval_at_point(&point), "{what}: OOD");
            let scale = random_ext(&mut rng, 1)[0];
            add_terms(&ctx, &dw, &[eq_term(scale, &point)]).unwrap();
            let want_w: Vec<EF> = w.iter().zip(evals_eq_hypercube(&point)).map(|(x, e)| *x + scale * e).collect();
            assert_eq!(dw.download(&ctx).unwrap(), want_w, "{what}: eq accumulate");
            let whole = rs_codeword(&ctx, ExtVec::upload(&ctx, &f).unwrap(), log + 1).unwrap().read_col_major(&ctx).unwrap();
            assert_eq!(rs_codeword(&ctx, split(&f), log + 1).unwrap().read_col_major(&ctx).unwrap(), whole, "{what}: codeword");
        }
        // μ-batching into a split vector: the high transform levels add whole chunks.
        for &(l_skip, log_h, per_chunk) in &[(0usize, 3usize, 2usize), (2, 6, 4), (3, 9, 16)] {
            let h = 1usize << log_h;
            let cols: Vec<Vec<F>> = (0..3).map(|_| common::random_field(&mut rng, h)).collect();
            let flat: Vec<F> = cols.concat();
            let matrix = ColumnMatrix::from_col_major(&ctx, "test", h, 3, as_words(&flat)).unwrap();
            let powers: Vec<EF> = random_ext(&mut rng, 1)[0].powers().take(3).collect();
            let mut want = vec![EF::ZERO; h];
            for (col, p) in cols.iter().zip(&powers) {
                let mut x = eval_to_coeff_rs_message(l_skip, col);
                Mle::coeffs_to_evals_inplace(&mut x);
                for (acc, v) in want.iter_mut().zip(x) {
                    *acc += *p * v;
                }
            }
            let got = mu_batch_split(&ctx, l_skip, &[&matrix], &powers, Some(per_chunk)).unwrap();
            assert_eq!(got.data.chunks.len(), h / per_chunk);
            assert_eq!(got.download(&ctx).unwrap(), want, "μ-batch l_skip={l_skip} 2^{log_h} in chunks of {per_chunk} under {profile}");
        }
    }
}

/// μ-batching of matrices split over several buffers (two or three columns per chunk), against
/// upstream's per-column `eval_to_coeff_rs_message` + `Mle::coeffs_to_evals_inplace`.
#[test]
fn mu_batch_of_split_matrices_matches_upstream() {
    let mut rng = common::rng(7);
    for (profile, ctx) in common::profiles() {
        for &(l_skip, log_h) in &[(0usize, 0usize), (2, 2), (3, 7), (4, 6)] {
            let h = 1usize << log_h;
            let widths = [5usize, 1, 2];
            let per_chunk = [2usize, 3, 2];
            let cols: Vec<Vec<Vec<F>>> = widths.iter().map(|&w| (0..w).map(|_| common::random_field(&mut rng, h)).collect()).collect();
            let mats: Vec<ColumnMatrix> = cols
                .iter()
                .zip(per_chunk)
                .map(|(m, cpc)| {
                    let chunks = m
                        .chunks(cpc)
                        .map(|c| {
                            let flat: Vec<F> = c.concat();
                            GpuBuffer::from_slice(&ctx, "test", as_words(&flat)).unwrap()
                        })
                        .collect();
                    ColumnMatrix { height: h, width: m.len(), columns_per_chunk: cpc, chunks }
                })
                .collect();
            let width: usize = widths.iter().sum();
            let powers: Vec<EF> = random_ext(&mut rng, 1)[0].powers().take(width).collect();
            let mut want = vec![EF::ZERO; h];
            for (col, p) in cols.iter().flatten().zip(&powers) {
                let mut x = eval_to_coeff_rs_message(l_skip, col);
                Mle::coeffs_to_evals_inplace(&mut x);
                for (acc, v) in want.iter_mut().zip(x) {
                    *acc += *p * v;
                }
            }
            let refs: Vec<&ColumnMatrix> = mats.iter().collect();
            let got = mu_batch(&ctx, l_skip, &refs, &powers).unwrap().download(&ctx).unwrap();
            assert_eq!(got, want, "l_skip={l_skip} height 2^{log_h} under {profile}");
        }
        // Wrong μ count, mismatched heights and heights below 2^l_skip are refused.
        let a = ColumnMatrix::zeroed(&ctx, "test", 8, 2).unwrap();
        let b = ColumnMatrix::zeroed(&ctx, "test", 4, 1).unwrap();
        assert!(mu_batch(&ctx, 1, &[&a], &[EF::ONE]).is_err());
        assert!(mu_batch(&ctx, 1, &[&a, &b], &[EF::ONE; 3]).is_err());
        assert!(mu_batch(&ctx, 4, &[&a], &[EF::ONE; 2]).is_err());
    }
}

/// Random traces for one commitment, tallest first, heights up to 2^max_log.
fn random_traces(rng: &mut StdRng, max_log: usize, shapes: &[(usize, usize)]) -> Vec<ColMajorMatrix<F>> {
    let mut shapes: Vec<(usize, usize)> = shapes.iter().map(|&(l, w)| (l.min(max_log), w)).collect();
    shapes.sort_by_key(|s| std::cmp::Reverse(s.0));
    shapes.into_iter().map(|(log_h, w)| ColMajorMatrix::new(common::random_field(rng, w << log_h), w)).collect()
}

/// The commitments of one test case: several traces (some below 2^l_skip), a single width-1
/// column of full height, and a single one-row trace.
fn commitments(rng: &mut StdRng, l_skip: usize, n_stack: usize) -> Vec<Vec<ColMajorMatrix<F>>> {
    let top = l_skip + n_stack;
    vec![
        random_traces(rng, top, &[(top, 3), (top.saturating_sub(1), 1), (l_skip, 2), (1, 3), (0, 2)]),
        random_traces(rng, top, &[(top, 1)]),
        random_traces(rng, top, &[(0, 1)]),
    ]
}

struct Case {
    l_skip: usize,
    n_stack: usize,
    log_blowup: usize,
    k: usize,
    queries: Vec<usize>,
}

fn whir_config(case: &Case) -> WhirConfig {
    WhirConfig {
        k: case.k,
        rounds: case.queries.iter().map(|&num_queries| WhirRoundConfig { num_queries }).collect(),
        mu_pow_bits: 0,
        query_phase_pow_bits: 0,
        folding_pow_bits: 0,
        proximity: WhirProximityStrategy::UniqueDecoding,
    }
}

#[test]
fn whir_opening_matches_upstream() {
    let cases = [
        Case { l_skip: 2, n_stack: 4, log_blowup: 1, k: 2, queries: vec![3, 2] },
        Case { l_skip: 3, n_stack: 3, log_blowup: 2, k: 1, queries: vec![2, 2, 1] },
        // final polynomial of one coefficient
        Case { l_skip: 1, n_stack: 5, log_blowup: 1, k: 3, queries: vec![2, 2] },
        // stacked height exactly 2^l_skip
        Case { l_skip: 3, n_stack: 0, log_blowup: 1, k: 1, queries: vec![2, 1] },
        // one WHIR round: queries open the committed trees only
        Case { l_skip: 2, n_stack: 2, log_blowup: 1, k: 2, queries: vec![3] },
        Case { l_skip: 0, n_stack: 5, log_blowup: 3, k: 2, queries: vec![4, 3] },
    ];
    let mut rng = common::rng(5);
    for case in &cases {
        let Case { l_skip, n_stack, log_blowup, k, .. } = *case;
        let whir = whir_config(case);
        let mut params = test_system_params_small(l_skip.max(1), n_stack.max(1), k);
        params.log_blowup = log_blowup;
        let config = BabyBearPoseidon2Config::default_from_params(params);
        let commits = commitments(&mut rng, l_skip, n_stack);
        let cpu: Vec<_> = commits
            .iter()
            .map(|traces| {
                let refs: Vec<&ColMajorMatrix<F>> = traces.iter().collect();
                cpu_stacked_commit(config.hasher(), l_skip, n_stack, log_blowup, k, &refs).unwrap().1
            })
            .collect();
        let m = l_skip + n_stack;
        let u = random_ext(&mut rng, m);
        let mut start = default_duplex_sponge();
        FiatShamirTranscript::<SC>::observe(&mut start, rng.random());
        let mut want_ts = start.clone();
        let mats: Vec<_> = cpu.iter().map(|d| (&d.matrix, &d.tree)).collect();
        let want = cpu_prove_whir_opening::<SC, _>(&mut want_ts, config.hasher(), l_skip, log_blowup, &whir, &mats, &u).unwrap();
        let want_next = FiatShamirTranscript::<SC>::sample(&mut want_ts);
        let what = format!("l_skip={l_skip} n_stack={n_stack} log_blowup={log_blowup} k={k} queries={:?}", case.queries);

        for (profile, ctx) in common::profiles() {
            let ours: Vec<StackedPcsData> = commits
                .iter()
                .map(|traces| {
                    let refs: Vec<&ColMajorMatrix<F>> = traces.iter().collect();
                    stacked_commit(&ctx, l_skip, n_stack, log_blowup, k, &refs).unwrap().1
                })
                .collect();
            check_mu_batch(&ctx, l_skip, &ours, &cpu, &mut rng, &what, profile);
            let refs: Vec<&StackedPcsData> = ours.iter().collect();
            let mut ts = start.clone();
            let got = prove_whir_opening(&ctx, &mut ts, l_skip, log_blowup, &whir, &refs, &u).unwrap();
            assert!(got == want, "{what} under {profile}: WHIR proofs differ\n ours: {got:?}\n upstream: {want:?}");
            assert_eq!(FiatShamirTranscript::<SC>::sample(&mut ts), want_next, "{what} under {profile}: transcripts diverge");
        }
    }
}

/// The μ-batched polynomial against upstream's per-column transforms.
fn check_mu_batch(
    ctx: &GpuContext,
    l_skip: usize,
    ours: &[StackedPcsData],
    cpu: &[openvm_stark_backend::prover::stacked_pcs::StackedPcsData<F, [F; 8]>],
    rng: &mut StdRng,
    what: &str,
    profile: LimitProfile,
) {
    let width: usize = cpu.iter().map(|d| d.matrix.width()).sum();
    let mu = random_ext(rng, 1)[0];
    let powers: Vec<EF> = mu.powers().take(width).collect();
    let height = cpu[0].matrix.height();
    let mut want = vec![EF::ZERO; height];
    let mut j = 0;
    for d in cpu {
        for c in 0..d.matrix.width() {
            let mut x = eval_to_coeff_rs_message(l_skip, d.matrix.column(c));
            Mle::coeffs_to_evals_inplace(&mut x);
            for (acc, v) in want.iter_mut().zip(x) {
                *acc += powers[j] * v;
            }
            j += 1;
        }
    }
    let mats: Vec<_> = ours.iter().map(|d| &d.matrix).collect();
    let got = mu_batch(ctx, l_skip, &mats, &powers).unwrap().download(ctx).unwrap();
    assert_eq!(got, want, "{what} under {profile}: μ-batched polynomial");
}

#[test]
fn bad_input_is_an_error() {
    let ctx = common::ctx(LimitProfile::Native);
    let case = Case { l_skip: 2, n_stack: 2, log_blowup: 1, k: 2, queries: vec![2] };
    let mut rng = common::rng(6);
    let traces = random_traces(&mut rng, 4, &[(4, 2)]);
    let refs: Vec<&ColMajorMatrix<F>> = traces.iter().collect();
    let data = stacked_commit(&ctx, 2, 2, 1, 2, &refs).unwrap().1;
    let mut ts = default_duplex_sponge();
    let u = random_ext(&mut rng, 3);
    let err = prove_whir_opening(&ctx, &mut ts, 2, 1, &whir_config(&case), &[&data], &u).unwrap_err();
    assert!(matches!(err, WgpuProverError::InvalidInput(_)), "{err}");
    let u = random_ext(&mut rng, 4);
    let too_many = Case { queries: vec![1, 1, 1], ..case };
    let err = prove_whir_opening(&ctx, &mut ts, 2, 1, &whir_config(&too_many), &[&data], &u).unwrap_err();
    assert!(matches!(err, WgpuProverError::InvalidInput(_)), "{err}");
    let err = prove_whir_opening(&ctx, &mut ts, 2, 1, &whir_config(&case), &[], &u).unwrap_err();
    assert!(matches!(err, WgpuProverError::InvalidInput(_)), "{err}");
}
