package seal

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMasterKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "master.key")
	k1, created, err := LoadOrCreateMasterKey(path, "")
	if err != nil || !created || len(k1) != MasterKeySize {
		t.Fatalf("first load: %v %v %d", err, created, len(k1))
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", fi.Mode(), err)
	}
	k2, created, err := LoadOrCreateMasterKey(path, "")
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("second load must reuse the key: %v %v", err, created)
	}
	os.Chmod(path, 0o644)
	if _, _, err := LoadOrCreateMasterKey(path, ""); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key accepted: %v", err)
	}
	os.Chmod(path, 0o600)
	os.WriteFile(path, []byte("short"), 0o600)
	if _, _, err := LoadOrCreateMasterKey(path, ""); err == nil {
		t.Fatal("corrupt key accepted")
	}
	env := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	k3, _, err := LoadOrCreateMasterKey(filepath.Join(t.TempDir(), "unused"), env)
	if err != nil || k3[0] != 7 {
		t.Fatalf("env key: %v", err)
	}
	if _, _, err := LoadOrCreateMasterKey(path, "bm9wZQ=="); err == nil {
		t.Fatal("short env key accepted")
	}
}
