package csaf

import (
	"fmt"
	"strings"
)

// cvss3Metrics maps each CVSS v3 base metric to its JSON name and values.
var cvss3Metrics = map[string]struct {
	field  func(*cvssV3) *string
	values map[string]string
}{
	"AV": {func(c *cvssV3) *string { return &c.AttackVector }, map[string]string{"N": "NETWORK", "A": "ADJACENT_NETWORK", "L": "LOCAL", "P": "PHYSICAL"}},
	"AC": {func(c *cvssV3) *string { return &c.AttackComplexity }, map[string]string{"L": "LOW", "H": "HIGH"}},
	"PR": {func(c *cvssV3) *string { return &c.PrivilegesRequired }, map[string]string{"N": "NONE", "L": "LOW", "H": "HIGH"}},
	"UI": {func(c *cvssV3) *string { return &c.UserInteraction }, map[string]string{"N": "NONE", "R": "REQUIRED"}},
	"S":  {func(c *cvssV3) *string { return &c.Scope }, map[string]string{"U": "UNCHANGED", "C": "CHANGED"}},
	"C":  {func(c *cvssV3) *string { return &c.ConfidentialityImpact }, map[string]string{"H": "HIGH", "L": "LOW", "N": "NONE"}},
	"I":  {func(c *cvssV3) *string { return &c.IntegrityImpact }, map[string]string{"H": "HIGH", "L": "LOW", "N": "NONE"}},
	"A":  {func(c *cvssV3) *string { return &c.AvailabilityImpact }, map[string]string{"H": "HIGH", "L": "LOW", "N": "NONE"}},
}

// parseCVSS3 reads a CVSS v3.0 or v3.1 vector into FIRST's JSON form with
// the given base score (computed by the CVSS library when the advisory was
// saved). The base metrics must all be there, once each; temporal and
// environmental metrics may follow and are kept in the vector only. It
// returns an error for anything else.
func parseCVSS3(vector string, baseScore float64) (*cvssV3, error) {
	bad := func(why string) error { return fmt.Errorf("CVSS v3 vector %q: %s", vector, why) }
	parts := strings.Split(vector, "/")
	c := &cvssV3{VectorString: vector, BaseScore: baseScore}
	switch parts[0] {
	case "CVSS:3.0":
		c.Version = "3.0"
	case "CVSS:3.1":
		c.Version = "3.1"
	default:
		return nil, bad("it does not start with CVSS:3.0/ or CVSS:3.1/")
	}
	seen := map[string]bool{}
	for _, p := range parts[1:] {
		k, val, ok := strings.Cut(p, ":")
		if !ok || seen[k] {
			return nil, bad("malformed or repeated metric " + p)
		}
		seen[k] = true
		m, base := cvss3Metrics[k]
		if !base {
			continue
		}
		name, ok := m.values[val]
		if !ok {
			return nil, bad("unknown value in " + p)
		}
		*m.field(c) = name
	}
	for k := range cvss3Metrics {
		if !seen[k] {
			return nil, bad("base metric " + k + " is missing")
		}
	}
	if baseScore < 0 || baseScore > 10 {
		return nil, bad(fmt.Sprintf("base score %.1f is out of range", baseScore))
	}
	c.BaseSeverity = severity(baseScore)
	return c, nil
}

// severity is CVSS v3's qualitative rating of a score.
func severity(s float64) string {
	switch {
	case s == 0:
		return "NONE"
	case s < 4:
		return "LOW"
	case s < 7:
		return "MEDIUM"
	case s < 9:
		return "HIGH"
	}
	return "CRITICAL"
}
