// Command envelope shows envelope encryption as atrest simulates it: a DEK
// encrypts data, a KEK wraps the DEK, and only a holder of the KEK can get
// the data back. Every line it prints is computed by running the code.
//
//	go run ./examples/envelope
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"

	"github.com/atrest-sim/atrest/envelope"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "envelope:", err)
		os.Exit(1)
	}
}

func run() error {
	r := envelope.NewSeededReader(2026)
	dek, err := envelope.GenerateDEK(r)
	if err != nil {
		return err
	}
	fmt.Println("A data-encryption key (DEK) encrypts the data:", dek)

	sealer, err := envelope.NewSealer(dek, r)
	if err != nil {
		return err
	}
	secret := []byte("customer,card\nalice,4111-1111-1111-1111\n")
	blob, err := sealer.Seal(secret, "disk-backup", "vm-1")
	if err != nil {
		return err
	}
	fmt.Printf("Sealed %d bytes of data into %d bytes (AES-256-GCM).\n\n", len(secret), len(blob))

	oct, err := envelope.GenerateAESKEK(r, "https://contoso.vault.azure.net/keys/oct-kek/1", envelope.A256KW)
	if err != nil {
		return err
	}
	priv, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		return err
	}
	rsaKEK, err := envelope.NewRSAKEK("https://contoso.vault.azure.net/keys/rsa-kek/1", envelope.RSAOAEP256, priv, r)
	if err != nil {
		return err
	}
	fmt.Println("Key-encryption keys (KEKs) wrap the DEK; the wrapped DEK is stored next to the data:")
	for _, kek := range []envelope.KEK{oct, rsaKEK} {
		w, err := kek.Wrap(dek)
		if err != nil {
			return err
		}
		back, err := kek.Unwrap(w)
		if err != nil {
			return err
		}
		plain, err := envelope.Open(back, blob, "disk-backup", "vm-1")
		fmt.Printf("  %-22s wrapped DEK %3d bytes; unwrap and open: %v (data intact: %v)\n",
			kek.Algorithm(), len(w.Ciphertext), errOrOK(err), string(plain) == string(secret))
	}

	fmt.Println("\nWithout the right key nothing comes back:")
	w, _ := oct.Wrap(dek)
	impostor, _ := envelope.GenerateAESKEK(r, oct.KeyID(), envelope.A256KW)
	_, err = impostor.Unwrap(w)
	fmt.Println("  another KEK with the same name unwraps:", errOrOK(err), "| ErrUnwrap:", errors.Is(err, envelope.ErrUnwrap))
	tampered := append([]byte(nil), blob...)
	tampered[len(tampered)/2] ^= 1
	_, err = envelope.Open(dek, tampered, "disk-backup", "vm-1")
	fmt.Println("  one flipped bit in the sealed data:", errOrOK(err), "| ErrOpen:", errors.Is(err, envelope.ErrOpen))
	_, err = envelope.Open(dek, blob, "disk-backup", "vm-2")
	fmt.Println("  sealed for vm-1, opened as vm-2:", errOrOK(err), "| ErrOpen:", errors.Is(err, envelope.ErrOpen))
	return nil
}

func errOrOK(err error) string {
	if err != nil {
		return err.Error()
	}
	return "ok"
}
