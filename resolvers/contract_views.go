package resolvers

// contractListLength is how many items one of socialContract's lists
// (shortfall, communities) gives: first, 10 when null (its default, as the
// operation check weighs it), refused outside 1..500.
func contractListLength(first *int) (int, error) {
	if first == nil {
		first = new(10)
	}
	args, err := pageArgs("socialContract", first, nil)
	return args.First, err
}
