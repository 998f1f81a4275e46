package policy

import (
	"bufio"
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// RenderSecurityTxt renders the policy as an RFC 9116 security.txt whose
// Expires is computed for a rendering at now. A value holding a line break
// is left out, so no value can add a field.
func RenderSecurityTxt(pol *embargo.Policy, o RenderOptions, now time.Time) []byte {
	var b lineSafe
	fmt.Fprintf(&b, "# security.txt for %s (RFC 9116), rendered by Embargo from the project's policy file.\n", oneLine(pol.Project.Name))
	c := pol.Contacts
	if c.Email != "" {
		fmt.Fprintf(&b, "Contact: mailto:%s\n", c.Email)
	}
	for _, ch := range c.Channels {
		if ch.Type == embargo.ChannelEmail {
			fmt.Fprintf(&b, "Contact: mailto:%s\n", ch.Address)
		} else {
			fmt.Fprintf(&b, "Contact: %s\n", ch.URL)
		}
	}
	fmt.Fprintf(&b, "Expires: %s\n", ExpiresAt(pol, now).UTC().Format(time.RFC3339))
	switch {
	case c.PGP.KeyURL != "":
		fmt.Fprintf(&b, "Encryption: %s\n", c.PGP.KeyURL)
	case c.PGP.Fingerprint != "":
		fmt.Fprintf(&b, "Encryption: openpgp4fpr:%s\n", c.PGP.Fingerprint)
	}
	if o.CSAF != "" {
		fmt.Fprintf(&b, "CSAF: %s\n", o.CSAF)
	}
	if pol.SecurityTxt.Acknowledgments != "" {
		fmt.Fprintf(&b, "Acknowledgments: %s\n", pol.SecurityTxt.Acknowledgments)
	}
	if len(pol.Languages) > 0 {
		fmt.Fprintf(&b, "Preferred-Languages: %s\n", strings.Join(pol.Languages, ", "))
	}
	// Links to the instance only when it is served over https: RFC 9116
	// requires https for web URIs, so a plain-http instance adds none.
	instance := strings.HasPrefix(o.BaseURL, "https://")
	canon := pol.SecurityTxt.Canonical
	if len(canon) == 0 && instance {
		canon = []string{o.projectURL(pol, "/security.txt")}
		if o.WellKnown {
			canon = append(canon, strings.TrimRight(o.BaseURL, "/")+"/.well-known/security.txt")
		}
	}
	for _, u := range canon {
		fmt.Fprintf(&b, "Canonical: %s\n", u)
	}
	pu := pol.SecurityTxt.Policy
	if pu == "" && instance {
		pu = o.projectURL(pol, "/SECURITY.md")
	}
	if pu != "" {
		fmt.Fprintf(&b, "Policy: %s\n", pu)
	}
	if pol.SecurityTxt.Hiring != "" {
		fmt.Fprintf(&b, "Hiring: %s\n", pol.SecurityTxt.Hiring)
	}
	return b.Bytes()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// lineSafe writes security.txt lines, dropping any whose value would span
// lines.
type lineSafe struct{ bytes.Buffer }

func (w *lineSafe) Write(p []byte) (int, error) {
	line := strings.TrimSuffix(string(p), "\n")
	if strings.ContainsAny(line, "\r\n\u0085\u2028\u2029") {
		return len(p), nil
	}
	return w.Buffer.Write(p)
}

// SecurityTxt is a parsed security.txt: field name (canonical case) to values
// in file order.
type SecurityTxt map[string][]string

// securityTxtFields are the fields RFC 9116 §2.5 defines, and whether each
// may appear more than once.
var securityTxtFields = map[string]bool{
	"Acknowledgments": true, "Canonical": true, "Contact": true, "Encryption": true,
	"Expires": false, "Hiring": true, "Policy": true, "Preferred-Languages": false,
	"CSAF": true, // CSAF 2.0 section 7.1.8
}

// ParseSecurityTxt reads an RFC 9116 security.txt (not clear-signed) and
// checks the rules a consumer relies on: at least one Contact, exactly one
// Expires in RFC 3339 form and in the future of now, URIs that parse, https
// for web URIs, and no repeated single-valued field. Unknown fields are kept
// (the RFC allows extensions).
func ParseSecurityTxt(data []byte, now time.Time) (SecurityTxt, error) {
	out := SecurityTxt{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.ContainsAny(name, " \t") || name == "" {
			return nil, fmt.Errorf("line %d: want \"Field: value\"", n)
		}
		value = strings.TrimSpace(value)
		canon := name
		for f := range securityTxtFields {
			if strings.EqualFold(f, name) {
				canon = f
			}
		}
		if multi, known := securityTxtFields[canon]; known && !multi && len(out[canon]) > 0 {
			return nil, fmt.Errorf("line %d: %s appears more than once", n, canon)
		}
		if err := checkSecurityTxtValue(canon, value, now); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out[canon] = append(out[canon], value)
	}
	if len(out["Contact"]) == 0 {
		return nil, fmt.Errorf("no Contact field (RFC 9116 §2.5.3 requires one)")
	}
	if len(out["Expires"]) != 1 {
		return nil, fmt.Errorf("no Expires field (RFC 9116 §2.5.5 requires one)")
	}
	return out, nil
}

func checkSecurityTxtValue(field, value string, now time.Time) error {
	switch field {
	case "Expires":
		t, err := time.Parse(time.RFC3339, value)
		if err != nil {
			return fmt.Errorf("the Expires value %q is not an RFC 3339 date-time", value)
		}
		if !t.After(now) {
			return fmt.Errorf("the Expires value %s is in the past", value)
		}
	case "Contact", "Encryption", "Acknowledgments", "Canonical", "Policy", "Hiring":
		u, err := url.Parse(value)
		if err != nil || u.Scheme == "" {
			return fmt.Errorf("%s %q is not a URI", field, value)
		}
		if u.Scheme == "http" {
			return fmt.Errorf("%s %q: web URIs must use https", field, value)
		}
	case "Preferred-Languages":
		for _, t := range strings.Split(value, ",") {
			if strings.TrimSpace(t) == "" {
				return fmt.Errorf("the Preferred-Languages field has an empty tag")
			}
		}
	}
	return nil
}
