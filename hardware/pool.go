package hardware

// pool is the memory one probe run reuses from probe to probe. First
// touching memory can cost more than the measurements themselves (in VMs
// whose host backs guest memory lazily it ran at 0.2-1 GB/s on the
// development machine), so the run maps the largest buffer once and the
// probes share it.
type pool struct {
	r    *region
	want int // map at least this much at the first get
}

// get returns n bytes, mapping a larger region if the one held is smaller.
func (p *pool) get(n int) ([]byte, error) {
	if p.r != nil && len(p.r.b) >= n {
		return p.r.b[:n], nil
	}
	p.free()
	r, err := mapRegion(max(n, p.want))
	if err != nil {
		return nil, err
	}
	p.r = r
	return r.b[:n], nil
}

func (p *pool) pages() (PageInfo, error) { return p.r.pages() }

// drop discards the pages so the next touch places them again.
func (p *pool) drop() {
	if p.r != nil {
		p.r.drop()
	}
}

func (p *pool) free() {
	if p.r != nil {
		p.r.free()
		p.r = nil
	}
}
