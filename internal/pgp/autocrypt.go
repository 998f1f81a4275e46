package pgp

import (
	"encoding/base64"
	"fmt"
	"net/mail"
	"strings"
)

// maxAutocrypt bounds an Autocrypt header value: a 64 KiB key in base64
// plus the other attributes and folding white space.
const maxAutocrypt = 96 << 10

// ParseAutocrypt parses an Autocrypt header value ("addr=...;
// [prefer-encrypt=mutual;] keydata=BASE64", Autocrypt Level 1) and returns
// the address, lower-cased, and the key. Attributes whose names start with
// "_" are ignored; any other unknown attribute makes the header invalid. It
// does not check that the key carries the address. It returns an error
// wrapping ErrTooLarge for a value over 96 KiB, ErrMalformed for a missing,
// repeated or unknown critical attribute, a bad address or bad base64, and
// the errors of ParsePublicKey for the key.
func ParseAutocrypt(value string) (addr string, key *PublicKey, err error) {
	const op = "pgp.ParseAutocrypt"
	if len(value) > maxAutocrypt {
		return "", nil, fmt.Errorf("%s: %w: header of %d bytes", op, ErrTooLarge, len(value))
	}
	attrs := make(map[string]string)
	for _, part := range strings.Split(value, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return "", nil, fmt.Errorf("%s: %w: attribute %q without a value", op, ErrMalformed, short(part))
		}
		name = strings.ToLower(strings.TrimSpace(name))
		switch {
		case strings.HasPrefix(name, "_"):
			continue
		case name != "addr" && name != "prefer-encrypt" && name != "keydata":
			return "", nil, fmt.Errorf("%s: %w: unknown critical attribute %q", op, ErrMalformed, short(name))
		}
		if _, dup := attrs[name]; dup {
			return "", nil, fmt.Errorf("%s: %w: repeated attribute %q", op, ErrMalformed, name)
		}
		attrs[name] = strings.TrimSpace(val)
	}

	addr = attrs["addr"]
	if addr == "" {
		return "", nil, fmt.Errorf("%s: %w: no addr attribute", op, ErrMalformed)
	}
	if a, err := mail.ParseAddress(addr); err != nil || a.Name != "" || a.Address != addr {
		return "", nil, fmt.Errorf("%s: %w: bad address %q", op, ErrMalformed, short(addr))
	}
	keydata := strings.Join(strings.Fields(attrs["keydata"]), "")
	if keydata == "" {
		return "", nil, fmt.Errorf("%s: %w: no keydata attribute", op, ErrMalformed)
	}
	bin, err := base64.StdEncoding.DecodeString(keydata)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w: keydata: %v", op, ErrMalformed, err)
	}
	key, err = ParsePublicKey(bin)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", op, err)
	}
	return strings.ToLower(addr), key, nil
}

// short trims s for use in an error message.
func short(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
