// Package seal owns the keys that protect report content at rest. The
// master key never enters the database: it lives in a 0600 file or in the
// environment.
package seal

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MasterKeySize is the master key length: 256 bits.
const MasterKeySize = 32

// LoadOrCreateMasterKey returns the master key from env (base64) when set,
// else from path, creating path with a fresh random key (mode 0600) when it
// does not exist. created reports whether a key was generated. A key file
// readable by group or others is refused.
func LoadOrCreateMasterKey(path, env string) (key []byte, created bool, err error) {
	return LoadOrCreateKey("master key", "EMBARGO_MASTER_KEY", path, env)
}

// LoadOrCreateKey is LoadOrCreateMasterKey for any 256-bit secret kept the
// same way (the audit signing key); what and envName name it in errors.
func LoadOrCreateKey(what, envName, path, env string) (key []byte, created bool, err error) {
	if env != "" {
		key, err := decodeKey(env)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", envName, err)
		}
		return key, false, nil
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return createKeyFile(what, envName, path)
	case err != nil:
		return nil, false, fmt.Errorf("%s %s: %w", what, path, err)
	case fi.Mode().Perm()&0o077 != 0:
		return nil, false, fmt.Errorf("%s %s is readable by others (mode %v): run chmod 600 %s", what, path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("%s %s: %w", what, path, err)
	}
	key, err = decodeKey(string(b))
	if err != nil {
		return nil, false, fmt.Errorf("%s %s: %w", what, path, err)
	}
	return key, false, nil
}

func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != MasterKeySize {
		return nil, fmt.Errorf("want %d bytes in base64", MasterKeySize)
	}
	return key, nil
}

func createKeyFile(what, envName, path string) ([]byte, bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("%s: %w", what, err)
	}
	key := make([]byte, MasterKeySize)
	rand.Read(key)
	// O_EXCL: if another process created it meanwhile, use theirs.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadOrCreateKey(what, envName, path, "")
	}
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", what, err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	serr := f.Sync()
	if err := errors.Join(werr, serr, f.Close()); err != nil {
		os.Remove(path)
		return nil, false, fmt.Errorf("%s: %w", what, err)
	}
	return key, true, nil
}
