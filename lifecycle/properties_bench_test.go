package lifecycle_test

import (
	"flag"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// quietTB is a rapid.TB that drops logs and records a failure.
type quietTB struct{ recorder }

func (q *quietTB) Logf(string, ...any) {}
func (q *quietTB) Log(...any)          {}

// BenchmarkTheoremSteps measures the property machine in steps per second
// (steps/s): 20 cases of a fixed rapid seed per iteration, with the eleven
// theorems checked after every step ("checks"), and the same action
// sequence without the invariant ("baseline": the model's predictions and
// the in-action checks of T4, T6, T7, T8, T9 and T10 still run). Run:
//
//	go test -run '^$' -bench TheoremSteps -count 3 ./lifecycle/
func BenchmarkTheoremSteps(b *testing.B) {
	warmPool(b)
	for name, v := range map[string]string{"rapid.seed": "20260101", "rapid.checks": "20", "rapid.steps": "30"} {
		if f := flag.Lookup(name); f != nil {
			old := f.Value.String()
			_ = f.Value.Set(v)
			b.Cleanup(func() { _ = f.Value.Set(old) })
		}
	}
	for _, c := range []struct {
		name   string
		checks bool
	}{{"baseline", false}, {"checks", true}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			steps := 0
			start := time.Now()
			for range b.N {
				q := &quietTB{recorder{name: b.Name()}}
				rapid.Check(q, func(rt *rapid.T) {
					h := newHarness(rt, 0)
					actions := h.actions()
					if c.checks {
						actions[""] = func(*rapid.T) { h.checkAll() }
					}
					rt.Repeat(actions)
					steps += h.steps
				})
				if q.failed {
					b.Fatal("the machine failed; run TestTheorems with the same seed")
				}
			}
			b.ReportMetric(float64(steps)/time.Since(start).Seconds(), "steps/s")
			b.ReportMetric(float64(steps)/float64(b.N), "steps/op")
		})
	}
}
