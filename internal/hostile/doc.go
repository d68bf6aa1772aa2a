// Package hostile holds the hostile-peer suite: servers that redirect
// credentials elsewhere, stall, trickle bytes or echo secrets back; clients
// that never read; captures built to blow up output or memory. Everything
// runs on loopback and is bounded in count and time. At the default size
// the suite runs in CI; `make hostile-full` runs the full-size scenarios
// whose figures go in BENCHMARKS.md.
package hostile
