package hardware

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

const smapsText = `7f0000000000-7f0000200000 rw-p 00000000 00:00 0
Size:               2048 kB
KernelPageSize:        4 kB
Rss:                 512 kB
AnonHugePages:         0 kB
7f1000000000-7f1040000000 rw-p 00000000 00:00 0
Size:            1048576 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:             1048576 kB
AnonHugePages:   1044480 kB
VmFlags: rd wr mr mw me ac sd hg
7f2000000000-7f2000001000 r--p 00000000 08:01 123 /usr/lib/libc.so.6
Rss:                   4 kB
`

func TestReadSmaps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "smaps")
	if err := os.WriteFile(path, []byte(smapsText), 0o644); err != nil {
		t.Fatal(err)
	}
	pi, err := readSmaps(path, 0x7f1000001000)
	if err != nil {
		t.Fatal(err)
	}
	if pi.ResidentBytes != 1<<30 || pi.HugeBytes != 1044480<<10 || pi.PageBytes != 2<<20 || pi.HugeFraction < 0.99 {
		t.Errorf("huge mapping: %+v", pi)
	}
	pi, err = readSmaps(path, 0x7f0000000000)
	if err != nil || pi.PageBytes != 4096 || pi.String() != "4 KiB (0% huge)" {
		t.Errorf("small mapping: %+v %v %q", pi, err, pi.String())
	}
	if _, err := readSmaps(path, 0x1000); err == nil {
		t.Error("an address outside every mapping was found")
	}
}

func TestRegionPages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("smaps is Linux's")
	}
	r, err := mapRegion(4 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer r.free()
	for i := 0; i < len(r.b); i += 4096 {
		r.b[i] = 1
	}
	pi, err := r.pages()
	if err != nil {
		t.Fatal(err)
	}
	if pi.ResidentBytes < 4<<20 {
		t.Errorf("touched 4 MiB, smaps says %+v", pi)
	}
	t.Logf("4 MiB region: %v", pi)
	r.drop()
	if pi, err := r.pages(); err != nil || pi.ResidentBytes >= 4<<20 {
		t.Errorf("after drop: %+v %v", pi, err)
	}
}
