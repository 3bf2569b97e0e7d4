// Package engram implements the addressing half of DeepSeek's Engram
// (FACTS.md §1): the token-id compression built from normalised token text,
// the rolling multiplicative-XOR N-gram hash, the per-head prime table sizes
// and the row arithmetic that turns a position into table rows.
//
// It is kept exact and separate from any table storage so that the offline
// lookup baseline, the memory probes and a later full lookup engine all
// address rows the same way, and so that the demo's published figures (its
// prime sizes, its row counts) can be checked here by tests.
//
// The pipeline, per Engram layer and position t:
//
//  1. Compression maps each raw token id to a compressed id (Key, NewCompression).
//  2. Suffix N-grams of orders 2..MaxOrder are taken, left-padded with the
//     compressed id of raw token 2.
//  3. One mix per order: XOR of x'_{t-i} * m_i in wrapping int64 (Layer.Rows).
//  4. Each head reduces the mix modulo its own prime, floored as NumPy does,
//     and adds its offset into the layer's single table.
//  5. Table sizes are distinct primes handed out in the demo's walk (TablePrimes).
package engram
