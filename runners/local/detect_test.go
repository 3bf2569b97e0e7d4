package local

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

func portOf(t *testing.T, url string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(url[len("http://"):])
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

func TestDetect(t *testing.T) {
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/models" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"object":"list","data":[{"id":"qwen2.5-7b"},{"id":"llama3"}]}`))
	}))
	defer good.Close()
	notAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>hello</html>"))
	}))
	defer notAPI.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedPort := portOf(t, closed.URL)
	closed.Close()

	ports := []KnownPort{{portOf(t, good.URL), "vLLM"}, {portOf(t, notAPI.URL), "other"}, {closedPort, "gone"}}
	found := Detect(context.Background(), "127.0.0.1", ports, time.Second)
	if len(found) != 1 || found[0].Engine != "vLLM" || len(found[0].Models) != 2 || found[0].Models[0] != "qwen2.5-7b" {
		t.Fatalf("found %+v", found)
	}
}
