package sandbox

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// hostEntry is one of the system directories every run sees: a read-only
// bind of a host directory, or a symlink copied as it is (merged /usr).
type hostEntry struct {
	path    string
	symlink string // link target when the host path is a symlink
}

// systemDirs are the host paths every run sees read-only: programs, shared
// libraries and their data. /etc is not among them (it can hold secrets);
// a small passwd and group are written instead.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}

func hostEntries() []hostEntry {
	var out []hostEntry
	for _, p := range systemDirs {
		fi, err := os.Lstat(p)
		if err != nil {
			continue
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			t, err := os.Readlink(p)
			if err != nil {
				continue
			}
			out = append(out, hostEntry{path: p, symlink: t})
			continue
		}
		if fi.IsDir() {
			out = append(out, hostEntry{path: p})
		}
	}
	return out
}

// coveredBy reports whether p lies at or under dir.
func coveredBy(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// effectiveMounts drops the spec's mounts already visible at the same path
// through a system directory, and cleans the rest.
func effectiveMounts(spec *Spec, entries []hostEntry) []Mount {
	var out []Mount
	seen := map[string]bool{}
	for _, m := range spec.Mounts {
		src, dst := path.Clean(m.Source), path.Clean(m.target())
		if seen[dst] {
			continue
		}
		covered := false
		if src == dst {
			for _, e := range entries {
				if e.symlink == "" && coveredBy(src, e.path) {
					covered = true
					break
				}
			}
		}
		if !covered {
			out = append(out, Mount{Source: src, Target: dst})
			seen[dst] = true
		}
	}
	return out
}

// masks returns the configured mask directories that do not collide with
// anything the sandbox mounts or creates.
func masks(cfg Config, entries []hostEntry, mounts []Mount) []string {
	var out []string
	reserved := []string{WorkDir, "/tmp", "/proc", "/dev", "/etc"}
	for _, d := range cfg.MaskDirs {
		d = path.Clean(d)
		if d == "/" || !path.IsAbs(d) {
			continue
		}
		ok := true
		for _, r := range reserved {
			if coveredBy(d, r) || coveredBy(r, d) {
				ok = false
			}
		}
		for _, e := range entries {
			if coveredBy(d, e.path) || coveredBy(e.path, d) {
				ok = false
			}
		}
		for _, m := range mounts {
			if coveredBy(d, m.Target) {
				ok = false
			}
		}
		if ok {
			out = append(out, d)
		}
	}
	return out
}

// etcFiles are the small /etc a candidate sees: who the users are.
func etcFiles(uid, gid int) map[string]string {
	passwd := "root:x:0:0:root:/tmp:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/tmp:/usr/sbin/nologin\n"
	group := "root:x:0:\nnogroup:x:65534:\n"
	if uid != 0 && uid != 65534 {
		passwd += fmt.Sprintf("sandbox:x:%d:%d:sandbox:/tmp:/usr/sbin/nologin\n", uid, gid)
	}
	if gid != 0 && gid != 65534 {
		group += fmt.Sprintf("sandbox:x:%d:\n", gid)
	}
	return map[string]string{"passwd": passwd, "group": group, "hostname": "sandbox\n"}
}

// reachable reports why the user uid/gid could not read p (nil when it
// can): every directory on the way must be searchable and p readable.
func reachable(p string, uid, gid int) error {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return err
	}
	parts := strings.Split(strings.TrimPrefix(real, "/"), "/")
	cur := "/"
	for i := 0; i <= len(parts); i++ {
		var st syscall.Stat_t
		if err := syscall.Stat(cur, &st); err != nil {
			return err
		}
		last := i == len(parts) || (len(parts) == 1 && parts[0] == "")
		need := uint32(1) // search
		if last {
			need = 4 // read
			if st.Mode&syscall.S_IFMT == syscall.S_IFDIR {
				need = 5
			}
		}
		var bits uint32
		switch {
		case int(st.Uid) == uid:
			bits = uint32(st.Mode>>6) & 7
		case int(st.Gid) == gid:
			bits = uint32(st.Mode>>3) & 7
		default:
			bits = uint32(st.Mode) & 7
		}
		if bits&need != need {
			return fmt.Errorf("%s is not readable by uid %d (on the way to %s)", cur, uid, p)
		}
		if last {
			return nil
		}
		cur = path.Join(cur, parts[i])
	}
	return nil
}
