package vault

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"math/big"
	"sync"
)

// KeyPool supplies RSA private keys for simulated vaults quickly, so that a
// property test can create thousands of RSA keys: generating one costs tens
// to hundreds of milliseconds (DESIGN.md).
//
// # Security
//
// Pool material is for simulation only. The pool generates a few random
// primes per key size and builds keys from distinct PAIRS of them: n primes
// give n(n-1)/2 distinct moduli, but any two keys that share a prime can be
// factored by anyone who holds both moduli (a gcd). Never use pool keys to
// protect real data.
//
// # Determinism
//
// Keys are built in a fixed order of pairs, (p1,p0), (p2,p0), (p2,p1),
// (p3,p0), ..., and every [Service] takes them from the start of that order,
// one after the other: a service never gets the same material twice, and two
// services may share material, which is harmless in a simulation. The primes
// come from crypto/rand (RSA material is not reproducible since Go 1.26, see
// package envelope), so no behaviour may depend on key bytes.
//
// A KeyPool is safe for concurrent use; one pool may serve every service of
// a process. Its zero value is not usable: call [NewKeyPool].
type KeyPool struct {
	mu    sync.Mutex
	sizes map[int]*poolSize
}

type poolSize struct {
	primes []*big.Int
	keys   []*rsa.PrivateKey // keys[i] is built from pair i, once
}

// NewKeyPool returns an empty pool. Keys are built on first use; call
// [KeyPool.Warm] to pay that cost up front.
func NewKeyPool() *KeyPool { return &KeyPool{sizes: map[int]*poolSize{}} }

// String describes the pool without its material.
func (p *KeyPool) String() string { return "vault.KeyPool(REDACTED)" }

// GoString describes the pool without its material.
func (p *KeyPool) GoString() string { return p.String() }

// poolKeysMax bounds a pool: 2,000 primes give about two million keys.
const poolKeysMax = 1 << 21

// Warm builds the first n keys of the given size (2048, 3072 or 4096 bits),
// so that later creates take them without delay. Its errors are [*Error]s
// matching [ErrBadParameter] (a bad size or count) or [ErrInternal] (the
// prime generation failed).
func (p *KeyPool) Warm(bits, n int) error {
	if n <= 0 {
		return nil
	}
	if !poolBits(bits) || n > poolKeysMax {
		return newError("KeyPool.Warm", ErrBadParameter, nil, fmt.Sprintf("RSA pool keys are 2048, 3072 or 4096 bits (F2) and at most %d, got %d x %d", poolKeysMax, n, bits))
	}
	if _, err := p.key(bits, n-1); err != nil {
		return newError("KeyPool.Warm", ErrInternal, err, "building pool keys")
	}
	return nil
}

func poolBits(bits int) bool { return bits == 2048 || bits == 3072 || bits == 4096 }

// pairOf returns the primes of pair i: (a, b) with a > b, enumerated by a
// then b.
func pairOf(i int) (a, b int) {
	a = 1
	for a*(a+1)/2 <= i {
		a++
	}
	return a, i - a*(a-1)/2
}

// key returns key i of the given size, building keys 0..i as needed.
func (p *KeyPool) key(bits, i int) (*rsa.PrivateKey, error) {
	if !poolBits(bits) {
		return nil, fmt.Errorf("vault: RSA keys are 2048, 3072 or 4096 bits (F2), got %d", bits)
	}
	if i < 0 || i >= poolKeysMax {
		return nil, fmt.Errorf("vault: key pool exhausted")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ps := p.sizes[bits]
	if ps == nil {
		ps = &poolSize{}
		p.sizes[bits] = ps
	}
	for len(ps.keys) <= i {
		a, b := pairOf(len(ps.keys))
		for len(ps.primes) <= a {
			q, err := newPrime(bits/2, ps.primes)
			if err != nil {
				return nil, err
			}
			ps.primes = append(ps.primes, q)
		}
		k, err := keyFromPrimes(ps.primes[a], ps.primes[b])
		if err != nil {
			return nil, err
		}
		ps.keys = append(ps.keys, k)
	}
	return ps.keys[i], nil
}

var bigE = big.NewInt(65537)

// newPrime draws a prime of the given size, distinct from have, with p-1
// coprime to e = 65537. crypto/rand.Prime sets the two top bits, so the
// product of two such primes has exactly twice the bits.
func newPrime(bits int, have []*big.Int) (*big.Int, error) {
	for range 1000 {
		q, err := rand.Prime(rand.Reader, bits)
		if err != nil {
			return nil, fmt.Errorf("vault: generating a prime: %v", err)
		}
		if new(big.Int).Mod(q, bigE).Cmp(big.NewInt(1)) == 0 {
			continue
		}
		dup := false
		for _, h := range have {
			dup = dup || h.Cmp(q) == 0
		}
		if !dup {
			return q, nil
		}
	}
	return nil, fmt.Errorf("vault: no suitable prime found")
}

// keyFromPrimes builds and validates the RSA key with primes p and q.
func keyFromPrimes(p, q *big.Int) (*rsa.PrivateKey, error) {
	one := big.NewInt(1)
	pm, qm := new(big.Int).Sub(p, one), new(big.Int).Sub(q, one)
	phi := new(big.Int).Mul(pm, qm)
	d := new(big.Int).ModInverse(bigE, phi)
	if d == nil {
		return nil, fmt.Errorf("vault: primes unsuitable for e=65537")
	}
	k := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537},
		D:         d,
		Primes:    []*big.Int{new(big.Int).Set(p), new(big.Int).Set(q)},
	}
	k.Precompute()
	if err := k.Validate(); err != nil {
		return nil, fmt.Errorf("vault: pool key invalid: %v", err)
	}
	return k, nil
}
