package seal

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

func (k *Keys) read(projectID int64, wrapped []byte) (*keyset.Handle, error) {
	h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(wrapped)), k.master, keysetAD(projectID))
	if err != nil {
		return nil, fmt.Errorf("seal: the keyset of project %d does not open with this master key: %w", projectID, err)
	}
	return h, nil
}

func (k *Keys) write(projectID int64, h *keyset.Handle) ([]byte, error) {
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), k.master, keysetAD(projectID)); err != nil {
		return nil, fmt.Errorf("seal: wrap keyset: %w", err)
	}
	return buf.Bytes(), nil
}

// Rotate adds a new primary key to a project's keyset and returns the
// keyset wrapped again. Old keys stay, so everything sealed before still
// opens; new seals use the new key.
func (k *Keys) Rotate(projectID int64, wrapped []byte) ([]byte, error) {
	h, err := k.read(projectID, wrapped)
	if err != nil {
		return nil, err
	}
	m := keyset.NewManagerFromHandle(h)
	id, err := m.Add(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("seal: rotate: %w", err)
	}
	if err := m.SetPrimary(id); err != nil {
		return nil, fmt.Errorf("seal: rotate: %w", err)
	}
	h, err = m.Handle()
	if err != nil {
		return nil, err
	}
	k.Forget(projectID)
	return k.write(projectID, h)
}

// Retire deletes every key but the primary from a project's keyset: call
// it only when nothing is sealed under them any more.
func (k *Keys) Retire(projectID int64, wrapped []byte) ([]byte, int, error) {
	h, err := k.read(projectID, wrapped)
	if err != nil {
		return nil, 0, err
	}
	info := h.KeysetInfo()
	m := keyset.NewManagerFromHandle(h)
	n := 0
	for _, ki := range info.GetKeyInfo() {
		if ki.GetKeyId() == info.GetPrimaryKeyId() {
			continue
		}
		if err := m.Delete(ki.GetKeyId()); err != nil {
			return nil, 0, fmt.Errorf("seal: retire key %d: %w", ki.GetKeyId(), err)
		}
		n++
	}
	h, err = m.Handle()
	if err != nil {
		return nil, 0, err
	}
	k.Forget(projectID)
	out, err := k.write(projectID, h)
	return out, n, err
}

// KeyInfo returns the key ids of a project's keyset and its primary.
func (k *Keys) KeyInfo(projectID int64, wrapped []byte) (ids []uint32, primary uint32, err error) {
	h, err := k.read(projectID, wrapped)
	if err != nil {
		return nil, 0, err
	}
	info := h.KeysetInfo()
	for _, ki := range info.GetKeyInfo() {
		ids = append(ids, ki.GetKeyId())
	}
	return ids, info.GetPrimaryKeyId(), nil
}

// Prefix is the five bytes every ciphertext sealed under key id starts
// with (Tink's output prefix: version byte 1, then the key id).
func Prefix(keyID uint32) []byte {
	p := []byte{1, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(p[1:], keyID)
	return p
}

// Forget drops a project's cached AEAD (after its keyset changed).
func (k *Keys) Forget(projectID int64) {
	k.mu.Lock()
	delete(k.cache, projectID)
	k.mu.Unlock()
}

// Rewrap opens a project's keyset with k's master key and wraps it with
// to's: the step of a master-key rotation.
func (k *Keys) Rewrap(projectID int64, wrapped []byte, to *Keys) ([]byte, error) {
	h, err := k.read(projectID, wrapped)
	if err != nil {
		return nil, err
	}
	return to.write(projectID, h)
}
