package pgp

import (
	"crypto/sha1"
	"encoding/base32"
)

// zbase32 is the z-base-32 encoding (RFC 6189 section 5.1.6) that Web Key
// Directory uses; it packs bits most significant first like base32.
var zbase32 = base32.NewEncoding("ybndrfg8ejkmcpqxot1uwisza345h769").WithPadding(base32.NoPadding)

// WKDHash returns the Web Key Directory hash of an address's local part
// (draft-koch-openpgp-webkey-service): the z-base-32 encoding of the SHA-1
// of the local part with ASCII letters lower-cased. Like GnuPG, it leaves
// non-ASCII letters as they are. It cannot fail.
func WKDHash(localPart string) string {
	b := []byte(localPart)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	sum := sha1.Sum(b)
	return zbase32.EncodeToString(sum[:])
}
