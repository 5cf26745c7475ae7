package envelope_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"log"

	"github.com/atrest-sim/atrest/envelope"
)

func ExampleGenerateDEK() {
	// One seed, one stream: simulations are reproducible.
	r := envelope.NewSeededReader(1)
	dek, err := envelope.GenerateDEK(r)
	if err != nil {
		log.Fatal(err)
	}
	// Key material never prints.
	fmt.Println(dek)
	fmt.Printf("%x\n", dek)
	fmt.Println(len(dek.Bytes()), "bytes")
	// Output:
	// DEK(REDACTED)
	// DEK(REDACTED)
	// 32 bytes
}

func ExampleAESKEK() {
	r := envelope.NewSeededReader(1)
	dek, _ := envelope.GenerateDEK(r)
	for _, alg := range []envelope.Algorithm{envelope.A256KW, envelope.AESKeyWrapPad} {
		kek, err := envelope.GenerateAESKEK(r, "https://contoso.vault.azure.net/keys/oct/1", alg)
		if err != nil {
			log.Fatal(err)
		}
		w, err := kek.Wrap(dek)
		if err != nil {
			log.Fatal(err)
		}
		back, err := kek.Unwrap(w)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d-byte wrapped key, unwrapped equal: %v\n", w.Algorithm, len(w.Ciphertext), back.Equal(dek))
	}
	// Output:
	// A256KW: 40-byte wrapped key, unwrapped equal: true
	// CKM_AES_KEY_WRAP_PAD: 40-byte wrapped key, unwrapped equal: true
}

func ExampleRSAKEK() {
	r := envelope.NewSeededReader(1)
	dek, _ := envelope.GenerateDEK(r)
	// RSA key generation ignores the reader since Go 1.26; the key bytes,
	// and so the ciphertexts, differ between runs. Only sizes are printed.
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	for _, alg := range []envelope.Algorithm{envelope.RSAOAEP256, envelope.RSAOAEP} {
		kek, err := envelope.NewRSAKEK("https://contoso.vault.azure.net/keys/rsa/1", alg, priv, r)
		if err != nil {
			log.Fatal(err)
		}
		w, _ := kek.Wrap(dek)
		back, err := kek.Unwrap(w)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d-byte wrapped key, unwrapped equal: %v\n", alg, len(w.Ciphertext), back.Equal(dek))
	}
	// Output:
	// RSA-OAEP-256: 256-byte wrapped key, unwrapped equal: true
	// RSA-OAEP: 256-byte wrapped key, unwrapped equal: true
}

func ExampleWrapped_MarshalBinary() {
	r := envelope.NewSeededReader(1)
	dek, _ := envelope.GenerateDEK(r)
	kek, _ := envelope.GenerateAESKEK(r, "https://contoso.vault.azure.net/keys/oct/1", envelope.A256KW)
	w, _ := kek.Wrap(dek)
	enc, err := w.MarshalBinary()
	if err != nil {
		log.Fatal(err)
	}
	var back envelope.Wrapped
	if err := back.UnmarshalBinary(enc); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(enc), "bytes;", back.KeyID, back.Algorithm)
	err = back.UnmarshalBinary(enc[:10])
	fmt.Println(errors.Is(err, envelope.ErrMalformed))
	// Output:
	// 98 bytes; https://contoso.vault.azure.net/keys/oct/1 A256KW
	// true
}

func ExampleSealer() {
	r := envelope.NewSeededReader(1)
	dek, _ := envelope.GenerateDEK(r)
	s, err := envelope.NewSealer(dek, r)
	if err != nil {
		log.Fatal(err)
	}
	blob, err := s.Seal([]byte("key backup"), "key-backup", "subscription-1")
	if err != nil {
		log.Fatal(err)
	}
	plain, err := s.Open(blob, "key-backup", "subscription-1")
	fmt.Printf("%q %v\n", plain, err)
	// The context is bound: another subscription's name does not open it.
	_, err = s.Open(blob, "key-backup", "subscription-2")
	fmt.Println(errors.Is(err, envelope.ErrOpen))
	// Output:
	// "key backup" <nil>
	// true
}
