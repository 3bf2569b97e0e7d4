//go:build race

package sizing_test

const raceEnabled = true
