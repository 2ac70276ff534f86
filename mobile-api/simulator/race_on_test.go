//go:build race

package simulator_test

// raceDetector: the race detector slows the phones' pure-Go SQLite and the JPEG encoder about
// tenfold; the fleet test runs a smaller fleet under it (the pass without it runs the full one).
const raceDetector = true
