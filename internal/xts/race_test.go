//go:build race

package xts

// raceEnabled is true when the race detector is on. Under it sync.Pool drops
// items on purpose, so allocation counts are not meaningful.
const raceEnabled = true
