package pgp

import "testing"

func TestFindArmored(t *testing.T) {
	t.Parallel()
	const msg = "-----BEGIN PGP MESSAGE-----\n\nhQEMA\n=abcd\n-----END PGP MESSAGE-----"
	const signed = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n- -----END PGP MESSAGE-----\n" +
		"-----BEGIN PGP SIGNATURE-----\n\niHUE\n-----END PGP SIGNATURE-----"
	tests := []struct {
		name      string
		in        string
		blockType string
		want      string
		ok        bool
	}{
		{"alone", msg, "PGP MESSAGE", msg, true},
		{"in a mail body", "Hi,\r\n\r\n" + msg + "\r\n\r\nBye\n", "PGP MESSAGE", msg, true},
		{"CRLF and trailing blanks", "x\r\n-----BEGIN PGP MESSAGE----- \r\n\r\nhQ\r\n-----END PGP MESSAGE-----\r\n",
			"PGP MESSAGE", "-----BEGIN PGP MESSAGE----- \r\n\r\nhQ\r\n-----END PGP MESSAGE-----", true},
		{"quoted is not a block", "> " + msg, "PGP MESSAGE", "", false},
		{"no end", "-----BEGIN PGP MESSAGE-----\n\nhQEMA\n", "PGP MESSAGE", "", false},
		{"other type", msg, "PGP PUBLIC KEY BLOCK", "", false},
		{"text after BEGIN marker", "-----BEGIN PGP MESSAGE-----x\n-----END PGP MESSAGE-----", "PGP MESSAGE", "", false},
		{"second block wins over bad first", "-----BEGIN PGP MESSAGE-----x\n" + msg, "PGP MESSAGE", msg, true},
		{"first of two", msg + "\n" + msg + "2", "PGP MESSAGE", msg, true},
		{"cleartext-signed ends at signature", "top\n" + signed + "\nbottom", "PGP SIGNED MESSAGE", signed, true},
		{"signature inside cleartext", signed, "PGP SIGNATURE",
			"-----BEGIN PGP SIGNATURE-----\n\niHUE\n-----END PGP SIGNATURE-----", true},
		{"empty", "", "PGP MESSAGE", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := FindArmored([]byte(tt.in), tt.blockType)
			if ok != tt.ok || string(got) != tt.want {
				t.Errorf("FindArmored = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
