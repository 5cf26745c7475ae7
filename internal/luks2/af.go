package luks2

import (
	"encoding/binary"
	"hash"
)

// The anti-forensic splitter of LUKS1, used unchanged by LUKS2 keyslots
// (cryptsetup lib/luks1/af.c). A key of n bytes becomes stripes*n bytes, so
// that destroying any part of the stored stripes destroys the key: wiping a
// keyslot area on a disk that remaps sectors still leaves the key
// unrecoverable unless every remapped copy survived.

// differ diffuses buffers with one hash and reusable scratch space, so the
// 4000-stripe loops do not allocate per stripe.
type differ struct {
	h   hash.Hash
	iv  [4]byte
	sum [64]byte // largest supported digest (SHA-512)
}

// diffuse replaces buf with H(be32(0)||chunk0) || H(be32(1)||chunk1) || ...,
// chunks of the hash's size, the last one truncated to its length.
func (df *differ) diffuse(buf []byte) {
	ds := df.h.Size()
	for j, off := 0, 0; off < len(buf); j, off = j+1, off+ds {
		end := min(off+ds, len(buf))
		binary.BigEndian.PutUint32(df.iv[:], uint32(j))
		df.h.Reset()
		df.h.Write(df.iv[:])
		df.h.Write(buf[off:end])
		copy(buf[off:end], df.h.Sum(df.sum[:0]))
	}
}

// diffuse is differ.diffuse for one call.
func diffuse(h hash.Hash, buf []byte) { (&differ{h: h}).diffuse(buf) }

// afSplit writes len(key)*stripes bytes to dst: stripes-1 random stripes
// (taken from dst as the caller filled it) followed by the key XOR the
// diffused combination of the others.
func afSplit(h hash.Hash, dst, key []byte, stripes int) {
	n := len(key)
	if len(dst) != n*stripes {
		panic("luks2: afSplit buffer size")
	}
	d := make([]byte, n)
	df := &differ{h: h}
	for i := 0; i < stripes-1; i++ {
		xorInto(d, dst[i*n:(i+1)*n])
		df.diffuse(d)
	}
	last := dst[(stripes-1)*n:]
	for i := range last {
		last[i] = key[i] ^ d[i]
	}
	clear(d)
}

// afMerge recovers the key of len(key) bytes from src, split by afSplit.
func afMerge(h hash.Hash, key, src []byte, stripes int) {
	n := len(key)
	if len(src) != n*stripes {
		panic("luks2: afMerge buffer size")
	}
	clear(key)
	df := &differ{h: h}
	for i := 0; i < stripes-1; i++ {
		xorInto(key, src[i*n:(i+1)*n])
		df.diffuse(key)
	}
	xorInto(key, src[(stripes-1)*n:])
}

func xorInto(dst, src []byte) {
	for i := range dst {
		dst[i] ^= src[i]
	}
}
