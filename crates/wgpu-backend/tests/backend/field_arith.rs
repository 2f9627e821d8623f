//! The shared WGSL BabyBear and extension-field arithmetic against p3-baby-bear, on random
//! values and on 0, 1, p - 1.

use crate::common;

use openvm_wgpu_backend::{
    field::{as_words, ext_as_words, ext_from_words, from_words, EF, F},
    kernels::field_ops::{apply, FieldOp},
};
use p3_field::{Field, PrimeCharacteristicRing};

/// The Plonky3 operation a GPU field op is checked against.
type BinaryOp<T> = fn(T, T) -> T;

fn edge_and_random(seed: u64, n: usize) -> Vec<F> {
    let mut v = vec![F::ZERO, F::ONE, F::NEG_ONE, F::TWO, F::NEG_ONE - F::ONE, F::from_u32(1 << 27), F::from_u32(0x7800_0000)];
    v.extend(common::random_field(&mut common::rng(seed), n));
    v
}

#[test]
fn base_field_ops_match_plonky3() {
    for (profile, ctx) in common::profiles() {
        let a = edge_and_random(1, 5000);
        let mut b = edge_and_random(2, 5000);
        b.rotate_left(3);
        // every pair of edge values too
        let edges = edge_and_random(0, 0);
        let (mut a, mut b) = (a, b);
        for &x in &edges {
            for &y in &edges {
                a.push(x);
                b.push(y);
            }
        }
        let n = a.len();
        let cases: [(FieldOp, BinaryOp<F>); 4] =
            [(FieldOp::Add, |x, y| x + y), (FieldOp::Sub, |x, y| x - y), (FieldOp::Mul, |x, y| x * y), (FieldOp::Neg, |x, _| -x)];
        for (op, reference) in cases {
            let got = from_words(apply(&ctx, op, n, as_words(&a), as_words(&b)).unwrap()).unwrap();
            let want: Vec<F> = a.iter().zip(&b).map(|(&x, &y)| reference(x, y)).collect();
            assert_eq!(got, want, "{op:?} under {profile}");
        }
        let inv = from_words(apply(&ctx, FieldOp::Inv, n, as_words(&a), as_words(&b)).unwrap()).unwrap();
        for (x, got) in a.iter().zip(&inv) {
            assert_eq!(*got, x.try_inverse().unwrap_or(F::ZERO), "inverse of {x} under {profile}");
        }
        let exps: Vec<u32> = (0..n as u32).map(|i| i.wrapping_mul(2654435761)).collect();
        let pow = from_words(apply(&ctx, FieldOp::Pow, n, as_words(&a), &exps).unwrap()).unwrap();
        for ((x, e), got) in a.iter().zip(&exps).zip(&pow) {
            assert_eq!(*got, x.exp_u64(*e as u64), "{x}^{e} under {profile}");
        }
    }
}

#[test]
fn extension_field_ops_match_plonky3() {
    let ctx = common::ctx(openvm_wgpu_backend::LimitProfile::Native);
    let mut rng = common::rng(7);
    let mut a: Vec<EF> = (0..3000).map(|_| rand::Rng::random(&mut rng)).collect();
    let mut b: Vec<EF> = (0..3000).map(|_| rand::Rng::random(&mut rng)).collect();
    for x in [EF::ZERO, EF::ONE, EF::NEG_ONE, EF::from(F::NEG_ONE)] {
        for y in [EF::ZERO, EF::ONE, EF::NEG_ONE] {
            a.push(x);
            b.push(y);
        }
    }
    let n = a.len();
    let cases: [(FieldOp, BinaryOp<EF>); 3] =
        [(FieldOp::ExtAdd, |x, y| x + y), (FieldOp::ExtSub, |x, y| x - y), (FieldOp::ExtMul, |x, y| x * y)];
    for (op, reference) in cases {
        let got = ext_from_words(apply(&ctx, op, n, ext_as_words(&a), ext_as_words(&b)).unwrap()).unwrap();
        let want: Vec<EF> = a.iter().zip(&b).map(|(&x, &y)| reference(x, y)).collect();
        assert_eq!(got, want, "{op:?}");
    }
    let s = common::random_field(&mut rng, n);
    let got = ext_from_words(apply(&ctx, FieldOp::ExtMulBase, n, ext_as_words(&a), as_words(&s)).unwrap()).unwrap();
    let want: Vec<EF> = a.iter().zip(&s).map(|(&x, &y)| x * y).collect();
    assert_eq!(got, want);
}

#[test]
fn mismatched_lengths_are_an_error_not_a_panic() {
    let ctx = common::ctx(openvm_wgpu_backend::LimitProfile::Native);
    let err = apply(&ctx, FieldOp::Mul, 4, &[1, 2, 3], &[1, 2, 3, 4]).unwrap_err();
    assert!(err.to_string().contains("field_ops"), "{err}");
}
