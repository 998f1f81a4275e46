package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

func TestStatusOfAndProblem(t *testing.T) {
	tests := []struct {
		err    error
		status int
		detail string
	}{
		{embargo.Errorf(embargo.KindNotFound, "project %q not found", "x"), 404, `project "x" not found`},
		{fmt.Errorf("op: %w", embargo.Errorf(embargo.KindInvalid, "bad")), 400, "bad"},
		{embargo.Errorf(embargo.KindConflict, "taken"), 409, "taken"},
		{embargo.Errorf(embargo.KindForbidden, "no"), 403, "no"},
		{embargo.Errorf(embargo.KindUnauthorized, "sign in"), 401, "sign in"},
		{embargo.Errorf(embargo.KindTooLarge, "big"), 413, "big"},
		{embargo.Errorf(embargo.KindRateLimited, "slow"), 429, "slow"},
		{embargo.Errorf(embargo.KindMethodNotAllowed, "no"), 405, "no"},
		{errors.New("pq: password authentication failed for secret"), 500, "Something went wrong on our side. The error has been logged."},
	}
	for _, tt := range tests {
		if got := StatusOf(tt.err); got != tt.status {
			t.Errorf("StatusOf(%v) = %d, want %d", tt.err, got, tt.status)
		}
		rec := httptest.NewRecorder()
		WriteProblem(rec, tt.err)
		var p Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if rec.Code != tt.status || p.Status != tt.status || p.Detail != tt.detail || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("problem for %v: %d %+v", tt.err, rec.Code, p)
		}
	}
}
