// Package engram implements the addressing half of DeepSeek's Engram
// (FACTS.md §1): the token-id compression built from normalised token text,
// the rolling multiplicative-XOR N-gram hash, the per-head prime table sizes
// and the row arithmetic that turns a position into table rows; and the
// model configurations (built-in and YAML) that the lookup engine, its
// server and the sizing model share.
//
// It is kept exact and separate from any table storage so that the offline
// lookup baseline, the memory probes and the lookup engine all address rows
// the same way, and so that the demo's published figures (its prime sizes,
// its row counts) can be checked here by tests.
//
// The pipeline, per Engram layer and position t:
//
//  1. Compression maps each raw token id to a compressed id (Key,
//     NewCompression; vocabularies from the offline tokenizers or a Hugging
//     Face tokenizer.json, LoadTokenizerJSON).
//  2. Suffix N-grams of orders 2..MaxOrder are taken, left-padded with the
//     compressed id of raw token 2.
//  3. One mix per order: XOR of x'_{t-i} * m_i in wrapping int64 (Layer.Rows);
//     the multipliers are seeded per layer (Multipliers) or read from a file
//     (ReadMultipliers, SetMultipliers) to reproduce a reference exactly.
//  4. Each head reduces the mix modulo its own prime, floored as NumPy does,
//     and adds its offset into the layer's single table.
//  5. Table sizes are distinct primes handed out in the demo's walk (TablePrimes).
//
// Around it:
//
//	engram/store    tables in host memory or file-mapped, the gather hot loop,
//	                the prefetch pipeline and a reference gather (the ceiling)
//	engram/gate     step 7: the gate and value projection in float32
//	engram/bench    engine against the gather ceiling, pipeline overlap, gate cost
//	engram/serve    the tables behind HTTP on loopback, and its load test
//	engram/sizing   what a host can feed: demand, limits, verdicts, the offload claim
//	engram/mdtable  Markdown tables and units for the commands
package engram
