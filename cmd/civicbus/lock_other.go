//go:build !unix

package main

// lockDataDir does nothing where flock is missing: there, do not start two
// civicbus processes on one data directory.
func lockDataDir(string) (unlock func(), err error) { return func() {}, nil }
