package pgp

import (
	"errors"
	"strings"
	"testing"
)

// TestGuard: a panic inside a guarded call becomes ErrMalformed.
func TestGuard(t *testing.T) {
	t.Parallel()
	f := func() (err error) {
		defer guard("pgp.Test", &err)
		panic("index out of range")
	}
	err := f()
	if !errors.Is(err, ErrMalformed) || !strings.HasPrefix(err.Error(), "pgp.Test: ") {
		t.Errorf("err = %v, want pgp.Test: ... ErrMalformed", err)
	}
}
