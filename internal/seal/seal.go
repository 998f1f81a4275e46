package seal

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/aead/subtle"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Keys seals and opens report content with envelope encryption: each
// project has a Tink AEAD keyset (AES-256-GCM), stored in the database
// wrapped by the master key, which never enters the database. Every
// ciphertext carries associated data naming its table, column and row, so
// a ciphertext moved to another row or column does not open.
type Keys struct {
	master tink.AEAD
	mu     sync.RWMutex
	cache  map[int64]tink.AEAD
}

// NewKeys returns Keys under a 256-bit master key.
func NewKeys(masterKey []byte) (*Keys, error) {
	if len(masterKey) != MasterKeySize {
		return nil, fmt.Errorf("seal: the master key must be %d bytes", MasterKeySize)
	}
	m, err := subtle.NewAESGCM(masterKey)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &Keys{master: m, cache: map[int64]tink.AEAD{}}, nil
}

func keysetAD(projectID int64) []byte {
	return []byte("embargo/project-keyset/" + strconv.FormatInt(projectID, 10))
}

// NewProjectKeyset generates a project's data keyset and returns it
// wrapped by the master key, ready to store.
func (k *Keys) NewProjectKeyset(projectID int64) ([]byte, error) {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("seal: new keyset: %w", err)
	}
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), k.master, keysetAD(projectID)); err != nil {
		return nil, fmt.Errorf("seal: wrap keyset: %w", err)
	}
	return buf.Bytes(), nil
}

// Project returns the AEAD of a project from its wrapped keyset, caching
// it. It fails when the keyset was wrapped by another master key or
// belongs to another project.
func (k *Keys) Project(projectID int64, wrapped []byte) (tink.AEAD, error) {
	k.mu.RLock()
	a, ok := k.cache[projectID]
	k.mu.RUnlock()
	if ok {
		return a, nil
	}
	h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(wrapped)), k.master, keysetAD(projectID))
	if err != nil {
		return nil, fmt.Errorf("seal: the keyset of project %d does not open with this master key: %w", projectID, err)
	}
	a, err = aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	k.mu.Lock()
	k.cache[projectID] = a
	k.mu.Unlock()
	return a, nil
}

// Cached returns a project's AEAD when it was opened before.
func (k *Keys) Cached(projectID int64) (tink.AEAD, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	a, ok := k.cache[projectID]
	return a, ok
}

// AD is the associated data of one sealed cell: table, column and the
// row's key.
func AD(table, column, row string) []byte {
	return []byte("embargo/" + table + "/" + column + "/" + row)
}
