package pgp

import "bytes"

// FindArmored reports whether b contains an ASCII-armoured OpenPGP block of
// the given type ("PGP MESSAGE", "PGP SIGNED MESSAGE", "PGP PUBLIC KEY
// BLOCK", …) and returns that block's bytes, from the start of its BEGIN line
// to the end of its END marker (the line break after it is not included).
// Both lines must start a line of b; trailing blanks after the BEGIN marker
// are allowed. A cleartext-signed message ("PGP SIGNED MESSAGE") ends with
// the END line of its signature. The first complete block wins. It never
// fails; a missing or unterminated block gives nil, false.
func FindArmored(b []byte, blockType string) ([]byte, bool) {
	start, end := findArmored(b, blockType, 0)
	if end < 0 {
		return nil, false
	}
	return b[start:end], true
}

// findArmored returns the bounds of the first block of the given type in b
// that starts at or after off, or -1, -1.
func findArmored(b []byte, blockType string, off int) (int, int) {
	begin := []byte("-----BEGIN " + blockType + "-----")
	endMarker := []byte("-----END " + blockType + "-----")
	if blockType == typeSigned {
		endMarker = []byte("-----END " + typeSignature + "-----")
	}
	for off < len(b) {
		start := indexLineStart(b, begin, off)
		if start < 0 {
			break
		}
		afterBegin := start + len(begin)
		eol := lineEnd(b, afterBegin)
		if len(bytes.Trim(b[afterBegin:eol], " \t\r")) != 0 {
			off = afterBegin
			continue
		}
		stop := indexLineStart(b, endMarker, eol)
		if stop < 0 {
			break
		}
		return start, stop + len(endMarker)
	}
	return -1, -1
}

// indexLineStart returns the index of the first occurrence of marker in b at
// or after off that starts a line, or -1.
func indexLineStart(b, marker []byte, off int) int {
	for off <= len(b) {
		i := bytes.Index(b[off:], marker)
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || b[i-1] == '\n' {
			return i
		}
		off = i + 1
	}
	return -1
}

// lineEnd returns the index of the line break ending the line that contains
// index i, or len(b).
func lineEnd(b []byte, i int) int {
	if j := bytes.IndexByte(b[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(b)
}
