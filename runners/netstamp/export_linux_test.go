package netstamp

func stampOfOrZero(oob []byte) int64 { return stampOf(oob) }
