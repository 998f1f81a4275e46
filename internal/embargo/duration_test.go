package embargo

import (
	"errors"
	"testing"
)

func TestParseDuration(t *testing.T) {
	good := map[string]Duration{
		"48h": {48, Hours}, "5bd": {5, BusinessDays}, "30d": {30, Days}, "2w": {2, Weeks},
		"next-release": {Unit: NextRelease}, " 7d ": {7, Days},
	}
	for in, want := range good {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
		if again, err := ParseDuration(got.String()); err != nil || again != got {
			t.Errorf("round trip of %q: %v %v", in, again, err)
		}
	}
	for _, in := range []string{"", "h", "48", "0h", "-1d", "5 days", "5bdx", "1.5d", "100001h", "99999999999999999999d", "next release"} {
		_, err := ParseDuration(in)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseDuration(%q) error = %v, want an invalid-kind error", in, err)
		}
	}
}

func TestHuman(t *testing.T) {
	for d, want := range map[Duration]string{
		{1, Hours}: "1 hour", {48, Hours}: "48 hours", {5, BusinessDays}: "5 business days",
		{1, Weeks}: "1 week", {Unit: NextRelease}: "the next regular release",
	} {
		if got := d.Human(); got != want {
			t.Errorf("%v.Human() = %q, want %q", d, got, want)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	err := Errorf(KindConflict, "report %d is closed", 7)
	if !errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
		t.Fatal("errors.Is does not follow kinds")
	}
	wrapped := errors.Join(errors.New("ctx"), err)
	if KindOf(wrapped) != KindConflict || MessageOf(wrapped) != "report 7 is closed" {
		t.Fatalf("KindOf/MessageOf through wrapping: %v %q", KindOf(wrapped), MessageOf(wrapped))
	}
	if KindOf(errors.New("boom")) != KindInternal || MessageOf(errors.New("secret")) != "" {
		t.Fatal("unclassified errors must be internal and have no caller-safe message")
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"48h", "5bd", "30d", "2w", "next-release", "0h", "999999999999d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		again, err := ParseDuration(d.String())
		if err != nil || again != d {
			t.Fatalf("%q parsed to %v but its string %q does not read back: %v", s, d, d.String(), err)
		}
		if d.Unit != NextRelease && (d.N < 1 || d.N > MaxDurationAmount) {
			t.Fatalf("%q gave an out-of-range amount %d", s, d.N)
		}
	})
}
