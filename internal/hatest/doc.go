// Package hatest holds the multi-replica integration test: three graphsec
// processes on one PostgreSQL database behind Debian's haproxy on
// loopback, with the standalone emulator as their identity platform and
// Graph (delivering webhooks, its tenant changing by itself). It has no
// code of its own; see hatest_test.go.
//
// It runs when GRAPHSEC_TEST_POSTGRES names a server and haproxy is
// installed (GRAPHSEC_REQUIRE_HAPROXY=1, which CI sets, makes a missing
// haproxy a failure instead of a skip).
package hatest
