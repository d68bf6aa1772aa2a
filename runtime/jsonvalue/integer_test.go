package jsonvalue

import (
	"math/big"
	"testing"
)

func TestIntValue(t *testing.T) {
	for _, tc := range []struct {
		lit           string
		v             int64
		integer, fits bool
	}{
		{"0", 0, true, true},
		{"-0", 0, true, true},
		{"-0.0e5", 0, true, true},
		{"1.0", 1, true, true},
		{"1e2", 100, true, true},
		{"1E+2", 100, true, true},
		{"100e-2", 1, true, true},
		{"1.5", 0, false, false},
		{"1e-400", 0, false, false},
		{"9223372036854775807", 9223372036854775807, true, true},
		{"9.223372036854775807e18", 9223372036854775807, true, true},
		{"92233720368547758070e-1", 9223372036854775807, true, true},
		{"9223372036854775808", 0, true, false},
		{"-9223372036854775808", -9223372036854775808, true, true},
		{"-9223372036854775809", 0, true, false},
		{"1e19", 0, true, false},
		{"1e400", 0, true, false},
		{"1e99999999999999999999", 0, true, false},
		{"98249283749234923498293171823948729348710298301928331", 0, true, false},
		{"9223372036854775807.5", 0, false, false},
	} {
		v, integer, fits := IntValue(tc.lit)
		if v != tc.v || integer != tc.integer || fits != tc.fits {
			t.Errorf("IntValue(%s) = %d, %v, %v; want %d, %v, %v", tc.lit, v, integer, fits, tc.v, tc.integer, tc.fits)
		}
	}
}

func TestFloorCeil(t *testing.T) {
	type res struct {
		v  int64
		ok bool
	}
	for _, tc := range []struct {
		lit         string
		floor, ceil res
	}{
		{"0", res{0, true}, res{0, true}},
		{"-0", res{0, true}, res{0, true}},
		{"2.5", res{2, true}, res{3, true}},
		{"-2.5", res{-3, true}, res{-2, true}},
		{"0.5", res{0, true}, res{1, true}},
		{"-0.5", res{-1, true}, res{0, true}},
		{"1e-400", res{0, true}, res{1, true}},
		{"-1e-99999999999999999999", res{-1, true}, res{0, true}},
		{"9223372036854775807", res{9223372036854775807, true}, res{9223372036854775807, true}},
		{"9223372036854775807.5", res{9223372036854775807, true}, res{0, false}},
		{"-9223372036854775808", res{-9223372036854775808, true}, res{-9223372036854775808, true}},
		{"-9223372036854775808.5", res{0, false}, res{-9223372036854775808, true}},
		{"9223372036854775808", res{0, false}, res{0, false}},
		{"1e19", res{0, false}, res{0, false}},
		{"-1e19", res{0, false}, res{0, false}},
		{"1e99999999999999999999", res{0, false}, res{0, false}},
	} {
		d := MustNumber(tc.lit)
		if v, ok := d.Floor(); (res{v, ok}) != tc.floor {
			t.Errorf("Floor(%s) = %d, %v; want %v", tc.lit, v, ok, tc.floor)
		}
		if v, ok := d.Ceil(); (res{v, ok}) != tc.ceil {
			t.Errorf("Ceil(%s) = %d, %v; want %v", tc.lit, v, ok, tc.ceil)
		}
	}
}

// TestIntegerStep holds IntegerStep to its definition: for a sample of
// integers v, v is a multiple of n exactly when it is one of the step.
func TestIntegerStep(t *testing.T) {
	for _, tc := range []struct {
		lit  string
		step uint64
		ok   bool
	}{
		{"1", 1, true}, {"0.5", 1, true}, {"0.1", 1, true}, {"2.5", 5, true}, {"6", 6, true},
		{"1.2", 6, true}, {"0.75", 3, true}, {"1e-400", 1, true}, {"3e-99999999999999999999", 3, true},
		{"1e19", 10000000000000000000, true}, {"18446744073709551615", 18446744073709551615, true},
		{"18446744073709551616", 0, false}, {"1e20", 0, false}, {"1e99999999999999999999", 0, false},
		{"0", 0, true},
	} {
		step, ok := MustNumber(tc.lit).IntegerStep()
		if step != tc.step || ok != tc.ok {
			t.Errorf("IntegerStep(%s) = %d, %v; want %d, %v", tc.lit, step, ok, tc.step, tc.ok)
		}
		if tc.lit == "0" || len(tc.lit) > 25 {
			continue
		}
		for _, v := range []int64{0, 1, 2, 3, 5, 6, 10, 15, 30, -30, 1e19 / 10 * 9} {
			want := MultipleOf(big.NewInt(v).String(), MustNumber(tc.lit))
			got := ok && step != 0 && uint64(abs64(v))%step == 0 || !ok && v == 0
			if got != want {
				t.Errorf("%d multipleOf %s: step says %v, MultipleOf %v", v, tc.lit, got, want)
			}
		}
	}
}

func TestCmpInt(t *testing.T) {
	for _, tc := range []struct {
		v    int64
		lit  string
		want int
	}{
		{0, "-0", 0}, {1, "0.5", 1}, {-1, "-0.5", -1}, {5, "5.0", 0},
		{9223372036854775807, "9223372036854775807", 0},
		{9223372036854775807, "9223372036854775807.5", -1},
		{9223372036854775807, "9223372036854775806.99999999999999999999", 1},
		{-9223372036854775808, "-9223372036854775808", 0},
		{-9223372036854775808, "-9223372036854775808.5", 1},
		{-9223372036854775808, "-1e19", 1},
		{9223372036854775807, "1e19", -1},
		{123456789012345678, "1.23456789012345678e17", 0},
		{1, "1e-400", 1}, {1, "1e400", -1},
	} {
		if got := CmpInt(tc.v, MustNumber(tc.lit)); got != tc.want {
			t.Errorf("CmpInt(%d, %s) = %d, want %d", tc.v, tc.lit, got, tc.want)
		}
	}
}

// TestCmpIntAllocatesNothing covers the fallback for bounds of 19 or more
// significant digits, where v is written out on the stack.
func TestCmpIntAllocatesNothing(t *testing.T) {
	long := MustNumber("9223372036854775807.5")
	small := MustNumber("100")
	if n := testing.AllocsPerRun(100, func() {
		_ = CmpInt(-9223372036854775808, long)
		_ = CmpInt(42, small)
		_, _, _ = IntValue("1.0e2")
	}); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
