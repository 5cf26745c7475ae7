// Package examples is the executable documentation of atrest: each question
// an auditor or a learner asks about encryption at rest in Azure is a
// scenario that builds a simulated world with package lifecycle, runs the
// operations the question is about, and reports what happened as an
// [Answer]: a one-line answer, the evidence (the layers and key chain of
// each verdict, the refusals with the facts they model, counts from the
// Key Vault audit log), the facts of FACTS.md it rests on, and a Mermaid
// diagram of the key hierarchy involved.
//
// Nothing in an answer is written by hand: every readable / not readable
// comes from [lifecycle.World.Readable] (checked against
// [lifecycle.World.Symbolic]; a disagreement is an error), every refusal
// from an operation the simulated cloud refused, every count from the audit
// log. [Questions] lists the 22 questions in order; each has a runnable
// Example in this package whose // Output: go test checks, and the program
// in examples/faq prints them all as Markdown, JSON or text:
//
//	go run ./examples/faq
//
// # Determinism
//
// A scenario is a function of its seed: the same seed gives the same
// answer, byte for byte. RSA key material is not reproducible (Go draws it
// from the system), but no answer prints key bytes or depends on them.
// Scenarios share one [vault.KeyPool] per process so that RSA keys cost
// microseconds instead of hundreds of milliseconds; the pool hands out
// material only, never behaviour.
//
// # Simulation limits
//
// The answers are as complete as package lifecycle is: where it does not
// model an operation a question needs (see [Answer.Missing]), the answer
// says so and reports what the simulation can show instead.
package examples

//go:generate go run gen_examples.go
