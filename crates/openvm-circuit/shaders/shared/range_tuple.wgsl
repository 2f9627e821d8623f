// The range-tuple checker's counts, as upstream's RangeTupleCheckerChip<2> keeps them: the pair
// (x, y) at x * tuple_size1 + y. The kernel binds `tuple_counts`.

fn range_tuple_add(x: u32, y: u32) {
    if (counting()) {
        atomicAdd(&tuple_counts[x * params.tuple_size1 + y], 1u);
    }
}
