package luks2

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"testing"
)

// TestDiffuse checks diffuse against its definition, with a partial last
// chunk: 40 bytes are H(be32(0)||b[0:32]) || H(be32(1)||b[32:40])[:8].
func TestDiffuse(t *testing.T) {
	buf := make([]byte, 40)
	for i := range buf {
		buf[i] = byte(i)
	}
	var want []byte
	for j, chunk := range [][]byte{buf[:32], buf[32:]} {
		h := sha256.New()
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(j)))
		h.Write(chunk)
		want = append(want, h.Sum(nil)[:len(chunk)]...)
	}
	got := bytes.Clone(buf)
	diffuse(sha256.New(), got)
	if !bytes.Equal(got, want) {
		t.Errorf("diffuse = %x, want %x", got, want)
	}
}

// TestAFSplitStructure checks split against af.c's definition for two
// stripes: s1 = key XOR diffuse(s0).
func TestAFSplitStructure(t *testing.T) {
	key := bytes.Repeat([]byte{0x11}, 64)
	buf := make([]byte, 128)
	for i := range buf[:64] {
		buf[i] = byte(3 * i)
	}
	s0 := bytes.Clone(buf[:64])
	afSplit(sha256.New(), buf, key, 2)
	d := bytes.Clone(s0)
	diffuse(sha256.New(), d)
	for i := range d {
		d[i] ^= key[i]
	}
	if !bytes.Equal(buf[:64], s0) || !bytes.Equal(buf[64:], d) {
		t.Errorf("afSplit with 2 stripes does not match af.c")
	}
}
