package embargo

import "testing"

func TestVersionRangeOverlaps(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"0.1.x", "< 0.1", false},
		{"0.1.x", "<= 0.1.0", true},
		{"1.x", ">= 1.2, < 2.0", true},
		{"1.x", ">= 2.0", false},
		{"1.2", "1.3", false},
		{"1.2", "1.2.5", true},
		{"1.2.3", "1.2.4", false},
		{"< 1.0", "> 1.0", false},
		{"<= 1.0", ">= 1.0", true},
		{"latest", "< latest", false},
		{"latest", "N", true},
		{"N", "N-1", false},
		{"N-1", "< N", true},
		{"< N-1", "N-1", false},
		{"latest minor", "< latest", false},
		{"latest", "1.x", false}, // relative and concrete cannot be compared
		{"v1.2.x", "1.2.7", true},
	}
	for _, tt := range tests {
		a, err := ParseVersionRange(tt.a)
		if err != nil {
			t.Fatalf("%q: %v", tt.a, err)
		}
		b, err := ParseVersionRange(tt.b)
		if err != nil {
			t.Fatalf("%q: %v", tt.b, err)
		}
		if got := a.Overlaps(b); got != tt.want || b.Overlaps(a) != tt.want {
			t.Errorf("%q overlaps %q = %v, want %v (both ways)", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestParseVersionRangeRejects(t *testing.T) {
	for _, s := range []string{"", "the good ones", "1.2.3.4", "< ", "<1.0, <2.0", ">= a", "1.x.3", "N-x",
		">= 2.0, < 1.0", "< 1.0, = 0.5", "> 1.0, = 1.0", "> 1.0, < 1.0", "9223372036854775807", "1.2.3.x", "+1.-0", "n--1", "N-+1", "1.-2"} {
		if _, err := ParseVersionRange(s); err == nil {
			t.Errorf("ParseVersionRange(%q) accepted", s)
		}
	}
}

func FuzzParseVersionRange(f *testing.F) {
	for _, s := range []string{"0.1.x", "< 1.0", ">= 1.2, < 2.0", "latest", "N-1", "< N-1", "1.2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseVersionRange(s)
		if err != nil {
			return
		}
		if !r.Relative && r.HasLo && r.HasHi && r.Lo.Compare(r.Hi) == 0 && !r.LoOpen && !r.HiOpen && !r.Overlaps(r) {
			t.Fatalf("%q: a single-version range does not overlap itself", s)
		}
	})
}

func TestVersionRangeLinesAndLatestOfLine(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"< 3.6.x", "3.6.x", false},
		{"< 3.6.x", "3.5.9", true},
		{"<= 3.6.x", "3.6.9", true},
		{"<= 3.6.x", "3.7.0", false},
		{"> 3.6.x", "3.6.9", false},
		{"> 3.6.x", "3.7.0", true},
		{"2.latest", "latest", true},
		{"< 2.latest", "N-1", true},
	} {
		a, err1 := ParseVersionRange(tt.a)
		b, err2 := ParseVersionRange(tt.b)
		if err1 != nil || err2 != nil {
			t.Fatalf("%q %q: %v %v", tt.a, tt.b, err1, err2)
		}
		if got := a.Overlaps(b); got != tt.want {
			t.Errorf("%q overlaps %q = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
